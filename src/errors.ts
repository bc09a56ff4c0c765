// One catalogue of coded errors. Every code is documented in docs/errors.md; a test keeps
// the two in step. Messages name the file, document, field and value so bad input is fixable.

export const ERROR_CODES = {
  NSG_CERTS: 'nsguard certs cannot read or write its certificate directory, or finds half a CA there',
  NSG_CLUSTER_READ: 'the live cluster cannot be read (unreachable, credentials refused, or a list refused where nothing else can stand in)',
  NSG_CONFIG_READ: 'the configuration file cannot be read',
  NSG_CONFIG_PARSE: 'the configuration file is not valid YAML',
  NSG_CONFIG_KEY: 'a configuration key is unknown or has a bad value',
  NSG_STATE_READ: 'a state or input file cannot be read',
  NSG_STATE_PARSE: 'a document of a state or input file is not valid YAML/JSON',
  NSG_FLOWS_PARSE: 'a line of a flow file (nsguard audit --flows) is not a flow record of a known format',
  NSG_FLOWS_READ: 'a flow file (nsguard audit --flows) cannot be read',
  NSG_LOOKUP: 'a namespace a review names, which the cluster view does not hold, could not be read from the API',
  NSG_NOT_SYNCED: "an admission review arrived while the replica's view of the cluster is not ready (before its first sync, or out of sync for longer than maxOutOfSyncSeconds)",
  NSG_OBJECT_INVALID: 'a Kubernetes object has a field with a bad value',
  NSG_TEMPLATE: 'a policy template would break DNS or open a path between separated environments',
  NSG_TLS: 'a TLS certificate or key file cannot be read or does not load',
  NSG_UNSUPPORTED_KIND: 'an admission request is for a kind nsguard has no rules for',
  NSG_USAGE: 'the command line is wrong',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class NsguardError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NsguardError';
    this.code = code;
  }
}
