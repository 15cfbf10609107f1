import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { S3ResultsStore } from '../../src/runtime/results-store';

type Command = PutObjectCommand | GetObjectCommand | ListObjectsV2Command;

/** Records every command and answers each with the next canned response; an Error is thrown instead of returned. */
class FakeS3Client {
  public readonly commands: Command[] = [];

  constructor(private readonly responses: unknown[]) {}

  public async send(command: Command): Promise<unknown> {
    this.commands.push(command);
    const response = this.responses.shift();
    if (response instanceof Error) {
      throw response;
    }
    return response;
  }
}

function storeWith(...responses: unknown[]): { store: S3ResultsStore; s3: FakeS3Client } {
  const s3 = new FakeS3Client(responses);
  return { store: new S3ResultsStore('results-bucket', s3 as unknown as S3Client), s3 };
}

/** A GetObject body as the SDK gives it in Node.js, reduced to the one method the store calls. */
function body(text: string) {
  return { Body: { transformToString: async (encoding?: string) => Buffer.from(text, 'utf-8').toString(encoding as BufferEncoding) } };
}

describe('S3ResultsStore.put', () => {
  test('writes the body with its content type to the key in the bucket', async () => {
    // GIVEN
    const { store, s3 } = storeWith({});

    // WHEN
    await store.put('runs/r1/_plan.json', '{"runId":"r1"}', 'application/json');

    // THEN
    expect(s3.commands).toHaveLength(1);
    expect(s3.commands[0]).toBeInstanceOf(PutObjectCommand);
    expect(s3.commands[0].input).toEqual({
      Bucket: 'results-bucket',
      Key: 'runs/r1/_plan.json',
      Body: '{"runId":"r1"}',
      ContentType: 'application/json',
    });
  });
});

describe('S3ResultsStore.get', () => {
  test('returns the object text', async () => {
    // GIVEN
    const { store, s3 } = storeWith(body('GIT_SHA=abc\nNAME=ünïcode\n'));

    // WHEN
    const text = await store.get('runs/r1/_env/unit.env');

    // THEN
    expect(text).toBe('GIT_SHA=abc\nNAME=ünïcode\n');
    expect(s3.commands[0]).toBeInstanceOf(GetObjectCommand);
    expect(s3.commands[0].input).toEqual({ Bucket: 'results-bucket', Key: 'runs/r1/_env/unit.env' });
  });

  test('returns an empty string for an object without a body', async () => {
    // GIVEN
    const { store } = storeWith({});

    // WHEN
    const text = await store.get('runs/r1/_env/unit.env');

    // THEN
    expect(text).toBe('');
  });

  test('returns undefined when there is no object at the key', async () => {
    // GIVEN
    const { store } = storeWith(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

    // WHEN
    const text = await store.get('runs/r1/_plan.json');

    // THEN
    expect(text).toBeUndefined();
  });

  test('passes on any other error', async () => {
    // GIVEN
    const accessDenied = new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'Access Denied', $metadata: { httpStatusCode: 403 } });
    const { store } = storeWith(accessDenied);

    // WHEN
    const read = store.get('runs/r1/_plan.json');

    // THEN
    await expect(read).rejects.toBe(accessDenied);
  });
});

describe('S3ResultsStore.list', () => {
  test('follows continuation tokens until the last page and returns every key in order', async () => {
    // GIVEN
    const { store, s3 } = storeWith(
      { IsTruncated: true, NextContinuationToken: 'page-2', Contents: [{ Key: 'runs/r1/_results/unit/1.json' }, { Key: 'runs/r1/_results/unit/2.json' }] },
      { IsTruncated: true, NextContinuationToken: 'page-3', Contents: [{ Key: 'runs/r1/_results/unit/3.json' }] },
      { IsTruncated: false, Contents: [{ Key: 'runs/r1/_results/web/1.json' }] },
    );

    // WHEN
    const keys = await store.list('runs/r1/_results/');

    // THEN
    expect(keys).toEqual([
      'runs/r1/_results/unit/1.json',
      'runs/r1/_results/unit/2.json',
      'runs/r1/_results/unit/3.json',
      'runs/r1/_results/web/1.json',
    ]);
    expect(s3.commands.every((command) => command instanceof ListObjectsV2Command)).toBe(true);
    expect(s3.commands.map((command) => command.input)).toEqual([
      { Bucket: 'results-bucket', Prefix: 'runs/r1/_results/', ContinuationToken: undefined },
      { Bucket: 'results-bucket', Prefix: 'runs/r1/_results/', ContinuationToken: 'page-2' },
      { Bucket: 'results-bucket', Prefix: 'runs/r1/_results/', ContinuationToken: 'page-3' },
    ]);
  });

  test('returns no keys for an empty prefix, whose page has no Contents', async () => {
    // GIVEN
    const { store, s3 } = storeWith({ IsTruncated: false, KeyCount: 0 });

    // WHEN
    const keys = await store.list('runs/r1/_results/');

    // THEN
    expect(keys).toEqual([]);
    expect(s3.commands).toHaveLength(1);
  });
});
