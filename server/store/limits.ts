/** What one data-directory file may make the server allocate. */
export const STORE_LIMITS = {
  /** Group and profile documents. */
  maxDocumentBytes: 4 * 1024 * 1024,
  /**
   * Ignition, Butane, generic and cloud templates: the largest real ones are a
   * few hundred KiB, and a rendered Butane document may be at most 1 MiB.
   */
  maxTemplateBytes: 1024 * 1024,
  /** Nodes of a YAML document once its aliases are expanded ("billion laughs"). */
  maxYamlExpandedNodes: 1_000_000,
  /** Nesting depth of a document. */
  maxDepth: 256,
} as const;
