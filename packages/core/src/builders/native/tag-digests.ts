import { parseReference } from '@uai/oci';
import type { ModelPlan } from '../../plan/plan.js';
import type { NativeSession } from './session.js';

/**
 * Tags asked for before the login has answered (see askAround): a wrong password is then tried this many
 * times more at most, not once per model (a registry may lock an account after a few).
 */
const asksBeforeLogin = 4;

/**
 * What each model's tag holds now, asked for early and awaited later (by the skip-unchanged check and
 * the push): hundreds of models, a registry far away, and each model finds its answer waiting instead
 * of paying a round trip of its own. A failed read is reported by whoever awaits it.
 */
export class TagDigests {
  private readonly asked = new Map<string, Promise<string | undefined>>();
  /** The login (askAround's): a tag asked for after it started waits for it, and is not asked if it fails. */
  private loggedIn: Promise<unknown> = Promise.resolve();

  constructor(private readonly session: NativeSession) {}

  /** Asks for the model's tag (once the login is done), without waiting, unless it was asked already. */
  ask(plan: ModelPlan, signal: AbortSignal): void {
    if (this.asked.has(plan.name)) return;
    const ref = parseReference(plan.imageRef);
    const current = this.loggedIn.then(() => this.session.clientFor(ref.host).manifestDigest(ref.repository, ref.tag ?? 'latest', signal));
    current.catch(() => {}); // reported by whoever awaits it
    this.asked.set(plan.name, current);
  }

  /** The digest the model's tag holds (undefined: no such tag), asked for now if it was not yet. */
  of(plan: ModelPlan, signal: AbortSignal): Promise<string | undefined> {
    this.ask(plan, signal);
    return this.asked.get(plan.name)!;
  }

  /**
   * Asks for every model's tag around the login: after it, or at once where an earlier run found the
   * registry takes our Basic credentials (a ping's round trips saved; see RegistryHints): the first few
   * then, the rest after it. A failed login stops those requests before it throws.
   */
  async askAround(login: () => Promise<void>, plans: readonly ModelPlan[], signal: AbortSignal): Promise<void> {
    const loginFailed = new AbortController();
    const early = AbortSignal.any([signal, loginFailed.signal]);
    const known = plans.filter((plan) => this.session.knowsLogin(parseReference(plan.imageRef).host));
    for (const plan of known.slice(0, asksBeforeLogin)) this.ask(plan, early);
    this.loggedIn = login();
    try {
      await this.loggedIn;
    } catch (error) {
      loginFailed.abort();
      throw error;
    }
    for (const plan of plans) this.ask(plan, signal);
  }

  clear(): void {
    this.asked.clear();
  }
}
