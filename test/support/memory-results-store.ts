import { ResultsStore } from '../../src/runtime/results-store';

/** One stored object, as a test sees it. */
export interface StoredObject {
  readonly body: string;
  readonly contentType: string;
}

/** A results store in memory, for tests of anything that reads or writes the results bucket. */
export class MemoryResultsStore implements ResultsStore {
  /** Every object written, by key, for tests to inspect or to seed directly. */
  public readonly objects = new Map<string, StoredObject>();

  public async put(key: string, body: string, contentType: string): Promise<void> {
    this.objects.set(key, { body, contentType });
  }

  public async get(key: string): Promise<string | undefined> {
    return this.objects.get(key)?.body;
  }

  /** Sorted, as S3 lists keys. */
  public async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
}
