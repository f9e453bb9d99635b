/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, the last a
 * check digit over a 31-character alphabet (no I, O, Z, S, V).
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccCheckCharacter(first17: string): string | undefined {
  if (first17.length !== 17) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = ALPHABET.indexOf(first17[i]!);
    if (v < 0) return undefined;
    sum += v * WEIGHTS[i]!;
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/** Why a code is not a valid USCC, or undefined when it is. */
export function usccProblem(code: string): string | undefined {
  if (code.length !== 18) return `must be 18 characters, got ${code.length}`;
  const bad = [...code].find((c) => !ALPHABET.includes(c));
  if (bad !== undefined) return `character '${bad}' is not allowed (alphabet ${ALPHABET})`;
  const expected = usccCheckCharacter(code.slice(0, 17));
  if (expected !== code[17]) return `check character should be '${expected}', got '${code[17]}'`;
  return undefined;
}

export function isValidUscc(code: string): boolean {
  return usccProblem(code) === undefined;
}

/** Completes 17 characters with their check character (tests and fixtures). */
export function withUsccCheck(first17: string): string {
  const c = usccCheckCharacter(first17);
  if (!c) throw new Error(`not a USCC prefix: ${first17}`);
  return first17 + c;
}
