/**
 * Lambda event filtering for DynamoDB stream sources: each filter's pattern (EventBridge pattern syntax)
 * is matched against the whole stream record (`eventName`, `dynamodb.Keys`, `dynamodb.NewImage`, ...).
 * A record is delivered when it matches any filter; without filters every record is delivered.
 */
import { flattenEvent, matches, parsePattern } from '../eventbridge/pattern';

export interface FilterCriteria {
  Filters?: Array<{ Pattern?: string }>;
}

export class InvalidFilterCriteriaError extends Error {
  constructor(index: number, cause: Error) {
    super(`FilterCriteria.Filters[${index}].Pattern is invalid: ${cause.message}`);
    this.name = 'InvalidFilterCriteriaError';
  }
}

export type RecordFilter = (record: object) => boolean;

export function compileFilterCriteria(criteria: FilterCriteria | undefined): RecordFilter {
  const filters = criteria?.Filters ?? [];
  if (filters.length === 0) return () => true;
  const patterns = filters.map((filter, index) => {
    try {
      return parsePattern(filter.Pattern ?? '');
    } catch (error) {
      throw new InvalidFilterCriteriaError(index, error as Error);
    }
  });
  return (record) => {
    const flat = flattenEvent(record);
    return patterns.some((pattern) => matches(pattern, flat));
  };
}
