/**
 * Node 20 lacks Promise.withResolvers (added in Node 22), which aws-local-stepfunctions calls. Assigned only when
 * missing, so newer Node versions keep their own.
 */
type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
};

const promiseConstructor = Promise as unknown as { withResolvers?: WithResolvers };

promiseConstructor.withResolvers ??= <T>() => {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
};

// A module, not a script, so that the names above stay out of the global scope of the tests.
export {};
