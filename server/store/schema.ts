/**
 * JSON Schemas of group and profile documents, after top-level field names
 * are folded to lower case (Go's encoding/json matches field names without
 * regard to case). Unknown fields are allowed, as Matchbox ignores them.
 */
const nullableString = { type: ["string", "null"] } as const;
const nullableStringList = { type: ["array", "null"], items: nullableString } as const;

export const GROUP_SCHEMA = {
  $id: "https://netboot.invalid/schemas/group.json",
  title: "netboot group",
  type: ["object", "null"],
  properties: {
    id: nullableString,
    name: nullableString,
    profile: nullableString,
    selector: { type: ["object", "null"], additionalProperties: nullableString },
    metadata: { type: ["object", "null"] },
    // netboot only: Matchbox ignores the key, so the file stays loadable by Matchbox.
    sticky: { type: ["boolean", "null"] },
  },
} as const;

export const PROFILE_SCHEMA = {
  $id: "https://netboot.invalid/schemas/profile.json",
  title: "netboot profile",
  type: "object",
  required: ["id"],
  properties: {
    id: { type: "string", minLength: 1 },
    name: nullableString,
    ignition_id: nullableString,
    generic_id: nullableString,
    cloud_id: nullableString,
    boot: {
      type: ["object", "null"],
      properties: { kernel: nullableString, initrd: nullableStringList, args: nullableStringList },
    },
  },
} as const;
