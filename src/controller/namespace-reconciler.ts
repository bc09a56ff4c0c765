// One namespace brought to what nsguard generates there: what the mutating webhook would have stamped
// backfilled when it missed the namespace, missing policies created, drifted ones restored in place,
// unwanted ones removed in a safe order, and the outcome recorded on the namespace (annotations,
// Events). Decisions come from the policy core; this module only compares and writes.
import { ApiRequestError } from '../cluster/kube-request.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Generation } from '../policy/generate/generation.ts';
import { generationFor, needsUpdate, removalOrder } from '../policy/generate/generation.ts';
import { namespaceStamp } from '../policy/generate/namespace-defaults.ts';
import type { Config, Namespace, Policy } from '../policy/objects/model.ts';
import { PROBLEM_ANNOTATION, READY_ANNOTATION, isGenerated } from '../policy/objects/nsguard-metadata.ts';
import type { ClusterWriter, NamespaceEvent } from './cluster-writer.ts';
import { apiTime } from './cluster-writer.ts';

export interface ReconcilerOptions {
  readonly view: ClusterView;
  readonly config: () => Config;
  readonly writer: ClusterWriter;
  /** An Event the API refused or that could not be sent: the pass goes on without it. */
  readonly onEventFailed?: (event: NamespaceEvent, error: unknown) => void;
  readonly now?: () => Date;
}

/** What one pass did, for logs and tests. */
export interface ReconcileResult {
  /** Labels and annotations backfilled on the namespace, as `key=value`. */
  readonly stamped: readonly string[];
  readonly created: readonly string[];
  readonly restored: readonly string[];
  readonly removed: readonly string[];
  /** Writes the API refused (an admission denial, a namespace being deleted...), with its message. */
  readonly blocked: readonly string[];
}

const NOTHING_DONE: ReconcileResult = { stamped: [], created: [], restored: [], removed: [], blocked: [] };

/** What the reconciler wrote since it started, passes that failed later included. */
export interface WriteTotals {
  /** Namespaces backfilled with what the mutating webhook stamps. */
  readonly stamped: number;
  readonly created: number;
  readonly restored: number;
  readonly removed: number;
}

/** A write was refused: retrying at once will not help, but the key is retried with backoff. */
export class ReconcileBlocked extends Error {
  constructor(namespace: string, blocked: readonly string[]) {
    super(`namespace ${namespace}: ${blocked.length} write(s) refused: ${blocked.join('; ')}`);
    this.name = 'ReconcileBlocked';
  }
}

export class NamespaceReconciler {
  readonly #options: ReconcilerOptions;
  readonly #now: () => Date;
  /** Policies written whose watch event has not come back yet: the view still shows the old state. */
  readonly #inFlight = new Set<string>();
  /** The warnings last reported per namespace (reason → message), so a problem that persists is reported once. */
  readonly #warned = new Map<string, ReadonlyMap<string, string>>();
  readonly #written = { stamped: 0, created: 0, restored: 0, removed: 0 };
  /** Labels and annotations written per namespace whose watch event has not come back yet (null: removed). */
  readonly #writing = new Map<string, MetadataWrites>();

  constructor(options: ReconcilerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  written(): WriteTotals {
    return { ...this.#written };
  }

  /** The view has caught up with a policy (its watch event arrived) or was relisted (key undefined). */
  observed(namespace?: string, name?: string): void {
    if (namespace === undefined || name === undefined) {
      this.#inFlight.clear();
      this.#writing.clear();
    } else this.#inFlight.delete(`${namespace}/${name}`);
  }

  /** The view has caught up with a namespace (its watch event arrived). */
  observedNamespace(name: string): void {
    this.#writing.delete(name);
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const { view } = this.#options;
    const config = this.#options.config();
    const namespace = view.namespace(name);
    // Deleted, or being deleted: its policies go with it, and writes there would be refused.
    if (namespace === undefined || namespace.terminating) {
      // Its Events name its uid: a namespace created again under this name hears of its problems afresh.
      if (namespace === undefined) this.#warned.delete(name);
      return NOTHING_DONE;
    }
    const pass: Pass = { blocked: [], failure: undefined };
    const { namespace: current, stamped } = await this.#stamp(namespace, pass);
    const generation = generationFor(current, view, config);
    if (generation.exempt) return NOTHING_DONE;
    // A refused stamp is reported and retried, but the policies are still generated: isolation must not wait on it.
    const stampBlocked = pass.blocked.length;
    // Each pass stops at the first refused or failed policy write: later writes were ordered on the
    // assumption that the earlier ones landed (a default deny must not follow a refused DNS allowance).
    const stopped = (): boolean => pass.failure !== undefined || pass.blocked.length > stampBlocked;

    const present = new Map(view.policies(name).filter(isGenerated).map((p) => [p.name, p]));
    const created: string[] = [];
    const restored: string[] = [];
    const removed: string[] = [];
    for (const desired of generation.policies) {
      if (stopped()) break;
      const key = `${name}/${desired.policy.name}`;
      const existing = present.get(desired.policy.name);
      if (this.#inFlight.has(key) || (existing !== undefined && !needsUpdate(existing, desired.policy))) continue;
      // Missing from a namespace that was complete before: someone deleted it, so it is a restore.
      const restoring = existing !== undefined || current.annotations[READY_ANNOTATION] !== undefined;
      if (await this.#write(key, pass, () => this.#options.writer.applyPolicy(desired.manifest))) (restoring ? restored : created).push(desired.policy.name);
    }
    const wanted = new Set(generation.policies.map((d) => d.policy.name));
    const leftovers = removalOrder([...present.values()].filter((p: Policy) => !wanted.has(p.name)), config);
    for (const policy of leftovers) {
      if (stopped()) break;
      const key = `${name}/${policy.name}`;
      if (this.#inFlight.has(key)) continue;
      if (await this.#write(key, pass, () => this.#options.writer.deletePolicy(name, policy.name))) removed.push(policy.name);
    }

    // What was written is reported and counted even when a write failed: the retry will not write it again.
    if (stamped.length > 0) this.#written.stamped++;
    this.#written.created += created.length;
    this.#written.restored += restored.length;
    this.#written.removed += removed.length;
    const { blocked, failure } = pass;
    await this.#report(current, generation, { stamped, created, restored, removed, blocked }, failure === undefined);
    if (failure !== undefined) throw failure;
    if (blocked.length > 0) throw new ReconcileBlocked(name, blocked);
    return { stamped, created, restored, removed, blocked };
  }

  /**
   * What the mutating webhook stamps on creation (namespaceStamp, the one rule for both), added where the
   * namespace lacks it: the webhook fails open, so a namespace created while it was down has none of it,
   * and without its environment label no env-boundary check would apply to it. Only missing keys are
   * written, conditional on the namespace's resourceVersion, so a value a user gave always stays.
   */
  async #stamp(namespace: Namespace, pass: Pass): Promise<{ namespace: Namespace; stamped: readonly string[] }> {
    const current = this.#current(namespace);
    const wanted = namespaceStamp(current, this.#options.config(), this.#options.view);
    const missing = (wantedValues: Readonly<Record<string, string>>, have: Readonly<Record<string, string>>): Record<string, string> =>
      Object.fromEntries(Object.entries(wantedValues).filter(([key]) => !Object.hasOwn(have, key)));
    const labels = missing(wanted.labels, current.labels);
    const annotations = missing(wanted.annotations, current.annotations);
    const stamped = [...Object.entries(labels), ...Object.entries(annotations)].map(([key, value]) => `${key}=${value}`);
    if (stamped.length === 0) return { namespace: current, stamped };
    if (!(await this.#write(`${namespace.name} (namespace)`, pass, () => this.#options.writer.stampNamespace(namespace.name, { labels, annotations }, namespace.resourceVersion), false))) {
      return { namespace: current, stamped: [] };
    }
    this.#note(namespace.name, { labels, annotations });
    return { namespace: this.#current(namespace), stamped };
  }

  /** True when written; a refusal or a failure (the API unreachable, a timeout) is collected in `pass`. */
  async #write(key: string, pass: Pass, write: () => Promise<void>, policy = true): Promise<boolean> {
    try {
      await write();
      if (policy) this.#inFlight.add(key);
      return true;
    } catch (error) {
      if (error instanceof ApiRequestError && isRefusal(error.statusCode)) pass.blocked.push(`${key}: ${error.message}`);
      else pass.failure = error;
      return false;
    }
  }

  /** `complete`: no write failed, so what the pass wanted is what the namespace has. */
  async #report(namespace: Namespace, generation: Generation, result: ReconcileResult, complete: boolean): Promise<void> {
    const { writer, onEventFailed } = this.#options;
    /** Resolves true once recorded; Events are advisory, so a failure never fails the pass. */
    const event = (type: NamespaceEvent['type'], reason: string, message: string): Promise<boolean> => {
      const recorded: NamespaceEvent = { namespace: namespace.name, namespaceUid: namespace.uid, type, reason, message };
      return writer.recordEvent(recorded).then(
        () => true,
        (error: unknown) => {
          onEventFailed?.(recorded, error);
          return false;
        },
      );
    };
    const events: Promise<boolean>[] = [];
    const list = (names: readonly string[]): string => names.join(', ');
    if (result.stamped.length > 0) {
      events.push(event('Normal', 'NamespaceStamped', `set ${list(result.stamped)}: what nsguard's mutating webhook stamps on creation, which this namespace missed (the webhook was down or did not run)`));
    }
    if (result.created.length > 0) events.push(event('Normal', 'PoliciesGenerated', `created ${list(result.created)} from template ${generation.template ?? '(none)'}`));
    if (result.restored.length > 0) events.push(event('Normal', 'PoliciesRestored', `rewrote ${list(result.restored)}: missing or different from what template ${generation.template ?? '(none)'} generates`));
    if (result.removed.length > 0) events.push(event('Normal', 'PoliciesRemoved', `removed ${list(result.removed)}, no longer generated (isolation ${generation.isolation}${generation.template === undefined ? '' : `, template ${generation.template}`})`));
    const warnings = [...generation.problems.map((p) => ({ reason: p.reason, message: p.message })), ...(result.blocked.length > 0 ? [{ reason: 'GenerationBlocked', message: result.blocked.join('; ') }] : [])];
    const previous = this.#warned.get(namespace.name);
    const warned = new Map<string, string>();
    for (const warning of warnings) {
      if (previous?.get(warning.reason) === warning.message) warned.set(warning.reason, warning.message);
      // Only a warning that reached the API counts as reported: one that failed is tried on the next pass.
      else {
        events.push(
          event('Warning', warning.reason, warning.message).then((ok) => {
            if (ok) warned.set(warning.reason, warning.message);
            return ok;
          }),
        );
      }
    }
    await Promise.all(events);
    if (warned.size === 0) this.#warned.delete(namespace.name);
    else this.#warned.set(namespace.name, warned);

    const problem = generation.problems.map((p) => `${p.reason}: ${p.message}`).join('; ');
    const ready = generation.isolation !== 'none' && result.blocked.length === 0 && complete;
    const annotations: Record<string, string | null> = {};
    const has = namespace.annotations;
    if (problem === '' && has[PROBLEM_ANNOTATION] !== undefined) annotations[PROBLEM_ANNOTATION] = null;
    if (problem !== '' && has[PROBLEM_ANNOTATION] !== problem) annotations[PROBLEM_ANNOTATION] = problem;
    // The time isolation first became complete: its distance from creationTimestamp is the window in
    // which pods could run unprotected.
    if (ready && has[READY_ANNOTATION] === undefined) annotations[READY_ANNOTATION] = apiTime(this.#now());
    if (generation.isolation === 'none' && has[READY_ANNOTATION] !== undefined) annotations[READY_ANNOTATION] = null;
    if (Object.keys(annotations).length > 0) {
      await writer.annotateNamespace(namespace.name, annotations);
      this.#note(namespace.name, { labels: {}, annotations });
    }
  }

  #note(name: string, writes: MetadataWrites): void {
    const before = this.#writing.get(name);
    this.#writing.set(name, { labels: { ...before?.labels, ...writes.labels }, annotations: { ...before?.annotations, ...writes.annotations } });
  }

  /**
   * The namespace with our own writes whose watch event is still on its way: a pass that runs before it
   * arrives (a policy's event came first) must not write them again (a second stamp, a later ready time).
   */
  #current(namespace: Namespace): Namespace {
    const pending = this.#writing.get(namespace.name);
    if (pending === undefined) return namespace;
    const annotations: Record<string, string> = { ...namespace.annotations };
    for (const [key, value] of Object.entries(pending.annotations)) {
      if (value === null) delete annotations[key];
      else annotations[key] = value;
    }
    return { ...namespace, labels: { ...namespace.labels, ...pending.labels }, annotations };
  }
}

/** What stopped a pass: writes the API refused, or the error of one that failed (the first stops it). */
interface Pass {
  readonly blocked: string[];
  failure: unknown;
}

interface MetadataWrites {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string | null>>;
}

/**
 * Answers that mean "not this write" rather than "not now": an admission webhook's denial (403 from
 * nsguard's own checks, or 400), an invalid object (422), or a namespace being deleted (403).
 */
function isRefusal(statusCode: number): boolean {
  return statusCode === 400 || statusCode === 403 || statusCode === 422;
}
