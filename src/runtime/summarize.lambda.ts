import { RunSummary, SummaryEvent } from './contract';
import { S3ResultsStore } from './results-store';
import { summarizeRun } from './run-summary';

/** The "Summarize run" state: collects every shard's result into the run's summary and report. */
export const handler = async (event: SummaryEvent): Promise<RunSummary> => summarizeRun(event, new S3ResultsStore(event.bucket));
