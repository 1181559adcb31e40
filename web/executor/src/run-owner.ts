/**
 * One tab at a time works on a run. Two tabs (or windows) of one browser that each kept their own copy
 * of a run's queue would overwrite each other's stored answers; so the tab that opens a run claims it
 * (`owner:<run_id>` in IndexedDB), every write of the run's queue and drafts checks the claim in the
 * same IndexedDB transaction (writeStoredAsOwner), and a BroadcastChannel tells the other tab at once.
 * A tab that lost the run stops sending and shows "open in another tab" with "Continue here", which
 * claims it back and reads the run again, so it never writes what it held before.
 * (Web Locks would serialise the tabs too, but the claim has to be checked inside the write's own
 * transaction anyway, and IndexedDB transactions do that on every browser the app supports.)
 */
import { NotOwner, StorageError, writeStored, writeStoredAsOwner } from './local-store';
import { createRequestId } from './request-id';

const ownerKey = (runId: string) => `owner:${runId}`;
const channelName = (runId: string) => `rundun-run:${runId}`;

export class RunOwner {
  readonly tabId = createRequestId();
  private channel: BroadcastChannel | null = null;
  private lost = false;

  private constructor(
    readonly runId: string,
    private readonly onLost: () => void,
  ) {}

  /** Takes the run for this tab; any other tab holding it is told to stop. */
  static async claim(runId: string, onLost: () => void): Promise<RunOwner> {
    const owner = new RunOwner(runId, onLost);
    try {
      await writeStored(ownerKey(runId), owner.tabId);
    } catch (error) {
      // Nothing can be stored at all: there is no stored copy for another tab to overwrite either.
      if (!(error instanceof StorageError)) throw error;
    }
    if (typeof BroadcastChannel === 'function') {
      owner.channel = new BroadcastChannel(channelName(runId));
      owner.channel.onmessage = (event: MessageEvent<{ claimed?: string }>) => {
        if (event.data.claimed && event.data.claimed !== owner.tabId) owner.markLost();
      };
      owner.channel.postMessage({ claimed: owner.tabId });
    }
    return owner;
  }

  isLost(): boolean {
    return this.lost;
  }

  /** Stores `value` if this tab still holds the run; throws NotOwner (and reports the loss) otherwise. */
  async write(key: string, value: unknown): Promise<void> {
    if (this.lost) throw new NotOwner();
    try {
      await writeStoredAsOwner(ownerKey(this.runId), this.tabId, key, value);
    } catch (error) {
      if (error instanceof NotOwner) this.markLost();
      throw error;
    }
  }

  close() {
    this.channel?.close();
    this.channel = null;
  }

  private markLost() {
    if (this.lost) return;
    this.lost = true;
    this.onLost();
  }
}
