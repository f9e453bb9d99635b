/** The inspector register (R11): a province's enforcement officers and their conflicts of interest (回避). */
export interface InspectorRecord {
  id: string;
  name: string;
  /** Inspectors are bound to the province whose officers they are. */
  province: string;
  suspended: boolean;
  /** Enterprises (USCC) the inspector may not inspect, with the reason. */
  conflicts: { uscc: string; reason: string }[];
}
