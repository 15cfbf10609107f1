// The SDK is not bundled: the Lambda runtime provides it, so it stays a development dependency of this library.
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * The few object operations the runtime functions need, so that their logic can be tested against memory instead of S3.
 */
export interface ResultsStore {
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The object's text, or undefined when there is no object at the key. */
  get(key: string): Promise<string | undefined>;
  /** Every key below the prefix, however many pages the listing takes. */
  list(prefix: string): Promise<string[]>;
}

/** Created on first use and kept for the life of the Lambda environment, so warm invocations reuse its connections. */
let sharedClient: S3Client | undefined;

/** A results store in one S3 bucket. */
export class S3ResultsStore implements ResultsStore {
  private readonly client: S3Client;

  constructor(private readonly bucket: string, client?: S3Client) {
    this.client = client ?? (sharedClient ??= new S3Client({}));
  }

  public async put(key: string, body: string, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  public async get(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      // Compared by name rather than with instanceof, which fails when two copies of the SDK are loaded.
      if (error instanceof Error && error.name === 'NoSuchKey') {
        return undefined;
      }
      throw error;
    }
  }

  public async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix,
        ContinuationToken: continuationToken,
      }));
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) {
          keys.push(object.Key);
        }
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    return keys;
  }
}
