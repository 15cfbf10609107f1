import { Duration, Token } from 'aws-cdk-lib';

/**
 * Collects every problem with a construct's props, so that a user fixes them all in one round instead of one per
 * synth. Each message names the prop, echoes the value received and says what is allowed. Values that are tokens
 * (known only at deploy time) are not judged.
 */
export class PropErrors {
  private readonly problems: string[] = [];

  public add(message: string): void {
    this.problems.push(message);
  }

  public integerInRange(prop: string, value: number, min: number, max: number): number | undefined {
    if (Token.isUnresolved(value)) {
      return undefined;
    }
    if (!Number.isInteger(value) || value < min || value > max) {
      this.add(`${prop} is ${value}; it must be a whole number from ${min} to ${max}.`);
      return undefined;
    }
    return value;
  }

  public numberInRange(prop: string, value: number, min: number, max: number): number | undefined {
    if (Token.isUnresolved(value)) {
      return undefined;
    }
    if (!Number.isFinite(value) || value < min || value > max) {
      this.add(`${prop} is ${value}; it must be a number from ${min} to ${max}.`);
      return undefined;
    }
    return value;
  }

  /** Checks a duration that Step Functions takes in whole seconds, and returns those seconds. */
  public wholeSecondsInRange(prop: string, value: Duration, minSeconds: number, maxSeconds: number): number | undefined {
    if (value.isUnresolved()) {
      return undefined;
    }
    const millis = value.toMilliseconds();
    if (millis % 1000 !== 0 || millis < minSeconds * 1000 || millis > maxSeconds * 1000) {
      // toHumanString drops the milliseconds of a longer duration, which are what make it wrong here.
      const shown = millis % 1000 === 0 ? value.toHumanString() : `${millis / 1000} seconds`;
      this.add(`${prop} is ${shown}; it must be whole seconds from ${describeSeconds(minSeconds)} `
        + `to ${describeSeconds(maxSeconds)}.`);
      return undefined;
    }
    return millis / 1000;
  }

  /** Throws one error that lists every problem, if there are any. */
  public throwIfAny(constructPath: string): void {
    if (this.problems.length === 0) {
      return;
    }
    const list = this.problems.map(problem => `  - ${problem}`).join('\n');
    throw new Error(`Invalid props for ResilientParallelEcsTests at '${constructPath}':\n${list}`);
  }
}

function describeSeconds(seconds: number): string {
  return Duration.seconds(seconds).toHumanString();
}
