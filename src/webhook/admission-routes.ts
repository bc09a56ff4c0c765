// POST /validate and POST /mutate: body to AdmissionRequest, the Admission's answer to an
// AdmissionReview, one audit line and the metrics. What a request means is the Admission's business.
// Invariant: a request that passes the envelope checks gets exactly one audit line and one
// AdmissionReview, whatever throws and where; a failure to judge is a denial, never an allow.
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { kindName } from '../admission/registry.ts';
import type { Admission, AdmissionRequest, MutationOutcome, ValidationOutcome, WebhookName } from '../admission/types.ts';
import { formatFinding } from '../policy/checks/decision.ts';
import { shortPatch, updateDiff, writeAudit, type AuditEntry } from './audit-log.ts';
import { unsupportedMediaType, type Refuser } from './http-errors.ts';
import type { WebhookMetrics } from './metrics.ts';
import type { Committer } from '../log/group-commit.ts';
import { redact } from '../log/redact.ts';
import {
  decidingRules,
  mutationErrorResponse,
  mutationResponse,
  review,
  validationErrorResponse,
  validationResponse,
  type AdmissionResponse,
} from './response.ts';
import { parseReview } from './review.ts';

export interface RouteDeps {
  readonly admission: Admission;
  readonly logger: Logger;
  /** When the audit line is in the log's destination: the answer leaves only then. */
  readonly commit: Committer;
  readonly metrics: WebhookMetrics;
  readonly refuser: Refuser;
}

export function registerAdmissionRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/validate', (request, reply) => answer(request, reply, 'validate', deps));
  app.post('/mutate', (request, reply) => answer(request, reply, 'mutate', deps));
}

type Outcome = { readonly ok: true; readonly value: ValidationOutcome | MutationOutcome } | { readonly ok: false; readonly err: unknown };

/**
 * Returns nothing when the answer is decided at once: a returned reply is a thenable to fastify, which
 * then waits on the response stream's end for each request (listeners and a promise, about 2% of the CPU
 * under load), though the answer is sent by the group commit anyway. Only an answer that waits on a
 * lookup returns its promise, so that fastify sees it settle.
 */
function answer(request: FastifyRequest, reply: FastifyReply, webhook: WebhookName, deps: RouteDeps): undefined | Promise<FastifyReply> {
  const started = performance.now();
  // Fastify skips parsing a body-less POST: there is then no content type to have checked.
  if (!Buffer.isBuffer(request.body)) {
    const contentType = request.headers['content-type'];
    if (contentType === undefined) void deps.refuser.refuse(request, reply, 415, 'unsupported-media-type', unsupportedMediaType(contentType));
    else void deps.refuser.refuse(request, reply, 400, 'invalid-json', 'the body is empty: expected an AdmissionReview');
    return undefined;
  }
  const parsed = parseReview(request.body);
  if (!parsed.ok) {
    void deps.refuser.refuse(request, reply, 400, parsed.problem, parsed.message);
    return undefined;
  }
  const admissionRequest = parsed.request;

  let pending: ValidationOutcome | MutationOutcome | Promise<ValidationOutcome | MutationOutcome>;
  try {
    const problem = deps.admission.envelopeProblem(webhook, admissionRequest);
    if (problem !== undefined) {
      void deps.refuser.refuse(request, reply, 400, 'invalid-review', problem);
      return undefined;
    }
    pending = webhook === 'validate' ? deps.admission.validate(admissionRequest) : deps.admission.mutate(admissionRequest);
  } catch (err) {
    finish(reply, webhook, admissionRequest, started, { ok: false, err }, deps);
    return undefined;
  }
  // Only an answer that needs data the view lacks is asynchronous; the common path stays synchronous.
  if (pending instanceof Promise) {
    // Settled with the reply, a thenable that settles once the answer is sent: finish only queues the
    // send behind the group commit, and a promise settled before it would make fastify send an empty 200.
    return pending
      .then(
        (value) => finish(reply, webhook, admissionRequest, started, { ok: true, value }, deps),
        (err: unknown) => finish(reply, webhook, admissionRequest, started, { ok: false, err }, deps),
      )
      .then(() => reply);
  }
  finish(reply, webhook, admissionRequest, started, { ok: true, value: pending }, deps);
  return undefined;
}

function finish(reply: FastifyReply, webhook: WebhookName, request: AdmissionRequest, started: number, outcome: Outcome, deps: RouteDeps): void {
  let result: Answer;
  try {
    if (!outcome.ok) throw outcome.err;
    result = webhook === 'validate' ? validated(request, outcome.value as ValidationOutcome) : mutated(request, outcome.value as MutationOutcome);
  } catch (err) {
    // A throw while judging, or while describing the judgement: both are an error answer.
    result = failed(webhook, request, err);
  }
  const { response, entry, err } = result;
  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  writeAudit(deps.logger, { ...entry, durationMs }, err);
  // Queued as soon as its line is: whatever follows cannot part the answer from what the line says.
  deps.commit.afterCommit(() => void reply.send(review(response)));
  deps.metrics.observeAdmission({ webhook, kind: entry.kind, operation: entry.operation, verdict: metricVerdict(webhook, entry, response) }, durationMs / 1000);
  if (deps.logger.isLevelEnabled('debug')) {
    deps.logger.debug({ detail: redact({ request, response }) }, 'admission detail');
  }
}

interface Answer {
  readonly response: AdmissionResponse;
  readonly entry: Omit<AuditEntry, 'durationMs'>;
  readonly err?: unknown;
}

function validated(request: AdmissionRequest, outcome: ValidationOutcome): Answer {
  const { decision } = outcome;
  return {
    response: validationResponse(request.uid, decision),
    entry: {
      ...common(request, 'validate', outcome),
      mode: decision.mode,
      verdict: decision.verdict,
      allowed: decision.allowed,
      rules: decidingRules(decision),
      messages: [...decision.violations, ...decision.warnings].map(formatFinding),
      diff: updateDiff(request),
    },
  };
}

function mutated(request: AdmissionRequest, outcome: MutationOutcome): Answer {
  return {
    response: mutationResponse(request.uid, outcome),
    entry: {
      ...common(request, 'mutate'),
      mode: null,
      verdict: 'allowed',
      allowed: true,
      rules: [],
      messages: outcome.warnings,
      diff: outcome.patch.length > 0 ? shortPatch(outcome.patch) : null,
    },
  };
}

/** Built from the request's checked fields only, so that it cannot throw in its turn. */
function failed(webhook: WebhookName, request: AdmissionRequest, err: unknown): Answer {
  if (webhook === 'validate') {
    return {
      response: validationErrorResponse(request.uid, err),
      entry: { ...common(request, 'validate'), mode: null, verdict: 'error', allowed: false, rules: [], messages: [], diff: updateDiff(request) },
      err,
    };
  }
  const response = mutationErrorResponse(request.uid, err);
  return {
    response,
    entry: { ...common(request, 'mutate'), mode: null, verdict: 'error', allowed: true, rules: [], messages: response.warnings ?? [], diff: null },
    err,
  };
}

function common(request: AdmissionRequest, webhook: WebhookName, outcome?: ValidationOutcome) {
  return {
    webhook,
    uid: request.uid,
    operation: request.operation,
    kind: kindName(request.kind),
    namespace: outcome?.namespace ?? request.namespace ?? null,
    name: outcome?.name ?? (request.name === '' ? null : request.name),
    user: request.userInfo.username,
    groups: request.userInfo.groups ?? [],
    dryRun: request.dryRun ?? false,
  };
}

function metricVerdict(webhook: WebhookName, entry: Answer['entry'], response: AdmissionResponse) {
  if (entry.verdict === 'error') return 'error' as const;
  if (webhook === 'mutate') return response.patch === undefined ? ('allowed' as const) : ('patched' as const);
  return entry.verdict;
}
