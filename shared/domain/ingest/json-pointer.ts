/** A location inside a JSON document: member names and array indexes from the root. */
export type JsonPath = readonly (string | number)[];

/** RFC 6901 JSON pointer for a path (`~` and `/` in member names are escaped). */
export function pointerOf(path: JsonPath): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Appends a member name to a pointer that ajv produced (its instancePath is already a pointer). */
export function childPointer(pointer: string, member: string): string {
  return pointer + pointerOf([member]);
}
