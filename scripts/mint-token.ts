/**
 * Mints a bearer token for local use, signed with JWT_SECRET (or the development default).
 *
 *   npx tsx scripts/mint-token.ts --role approver --province BJ --sub alice
 *   npx tsx scripts/mint-token.ts --role applicant --uscc <18-character USCC> --sub acme
 *   npx tsx scripts/mint-token.ts --role ops --sub ops1 --ttl 1h
 *
 * Prints the token on stdout (use it as `Authorization: Bearer <token>`), the claims on stderr.
 */
import { parseArgs } from 'node:util';
import { mintToken, resolveJwtSecret } from '../api/auth';
import { loadConfig } from '../domain/config';
import { ROLES, type Role } from '../domain/roles';

const USAGE = `usage: mint-token --role <${ROLES.join('|')}> --sub <id> [--province <code>] [--uscc <code>] [--ttl 8h]
  staff roles (acceptance-officer, reviewer, approver, supervisor) need --province; applicant needs --uscc`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      province: { type: 'string' },
      uscc: { type: 'string' },
      ttl: { type: 'string', default: '8h' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.role || !(ROLES as readonly string[]).includes(values.role) || !values.sub) throw new Error(USAGE);
  const config = loadConfig();
  const secret = resolveJwtSecret(config);
  if (!config.JWT_SECRET) console.error('mint-token: JWT_SECRET is not set: signing with the development default secret');
  const token = await mintToken(secret, {
    sub: values.sub,
    role: values.role as Role,
    province: values.province,
    uscc: values.uscc,
    expiresIn: values.ttl,
  });
  console.error(`mint-token: ${JSON.stringify({ sub: values.sub, role: values.role, province: values.province, uscc: values.uscc, ttl: values.ttl })}`);
  console.log(token);
}

main().catch((err: unknown) => {
  console.error(`mint-token: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
