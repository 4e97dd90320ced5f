/**
 * GeoJSON samples for comparing validators: valid and invalid forms of every geometry, features,
 * collections, bounding boxes and positions, plus seeded random mutations of the valid ones.
 */

export interface Sample {
  label: string;
  value: unknown;
}

const POSITIONS: Sample[] = [
  { label: '2 numbers', value: [35.5, 33.9] },
  { label: '3 numbers', value: [35.5, 33.9, 120] },
  { label: '4 numbers', value: [35.5, 33.9, 120, 7] },
];
const BAD_POSITIONS: Sample[] = [
  { label: 'empty', value: [] },
  { label: '1 number', value: [35.5] },
  { label: 'a string member', value: ['35.5', 33.9] },
  { label: 'a null member', value: [35.5, null] },
  { label: 'an object', value: { lon: 35.5, lat: 33.9 } },
  { label: 'a string', value: '35.5,33.9' },
];
const BBOXES: Sample[] = [
  { label: '4 numbers', value: [0, 0, 1, 1] },
  { label: '6 numbers', value: [0, 0, 0, 1, 1, 1] },
  { label: '5 numbers', value: [0, 0, 0, 1, 1] },
  { label: '3 numbers', value: [0, 0, 1] },
  { label: 'empty', value: [] },
  { label: 'a string member', value: ['0', 0, 1, 1] },
  { label: 'null', value: null },
  { label: 'an object', value: { west: 0 } },
];

const line = [
  [35.5, 33.9],
  [35.6, 34],
];
const ring = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 0],
];
const unclosedRing = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
];
const shortRing = [
  [0, 0],
  [1, 0],
  [0, 0],
];

/** A valid sample of each geometry type. */
export const GEOMETRIES: Record<string, Record<string, unknown>> = {
  Point: { type: 'Point', coordinates: [35.5, 33.9] },
  LineString: { type: 'LineString', coordinates: line },
  Polygon: { type: 'Polygon', coordinates: [ring, ring] },
  MultiPoint: {
    type: 'MultiPoint',
    coordinates: [
      [35.5, 33.9],
      [1, 2, 3],
    ],
  },
  MultiLineString: { type: 'MultiLineString', coordinates: [line, line] },
  MultiPolygon: { type: 'MultiPolygon', coordinates: [[ring], [ring, ring]] },
};
const GEOMETRY_TYPES = Object.keys(GEOMETRIES);
const ALL_TYPES = [...GEOMETRY_TYPES, 'GeometryCollection', 'Feature', 'FeatureCollection'];

const geometryCollection = (geometries: unknown[]) => ({ type: 'GeometryCollection', geometries });
const feature = (geometry: unknown, properties: unknown = { name: 'Beirut' }) => ({
  type: 'Feature',
  properties,
  geometry,
});
const featureCollection = (features: unknown[]) => ({ type: 'FeatureCollection', features });

function geometrySamples(): Sample[] {
  const samples: Sample[] = [];
  for (const [name, geometry] of Object.entries(GEOMETRIES)) {
    samples.push({ label: `${name}`, value: geometry });
    samples.push({ label: `${name} with an extra member`, value: { ...geometry, crs: 'x' } });
    samples.push({ label: `${name} without coordinates`, value: { type: name } });
    samples.push({ label: `${name} with null coordinates`, value: { type: name, coordinates: null } });
    samples.push({ label: `${name} with object coordinates`, value: { type: name, coordinates: {} } });
    samples.push({ label: `${name} with empty coordinates`, value: { type: name, coordinates: [] } });
    samples.push({ label: `${name} without type`, value: { coordinates: geometry.coordinates } });
    samples.push({ label: `${name} typed in lower case`, value: { ...geometry, type: name.toLowerCase() } });
    for (const other of ALL_TYPES.filter((type) => type !== name)) {
      samples.push({ label: `${name} coordinates typed ${other}`, value: { ...geometry, type: other } });
    }
    for (const bbox of BBOXES) {
      samples.push({
        label: `${name} with a bbox of ${bbox.label}`,
        value: { ...geometry, bbox: bbox.value },
      });
    }
  }
  for (const position of [...POSITIONS, ...BAD_POSITIONS]) {
    samples.push({
      label: `Point at ${position.label}`,
      value: { type: 'Point', coordinates: position.value },
    });
    samples.push({
      label: `MultiPoint with ${position.label}`,
      value: { type: 'MultiPoint', coordinates: [[1, 2], position.value] },
    });
    samples.push({
      label: `LineString with ${position.label}`,
      value: { type: 'LineString', coordinates: [[1, 2], position.value] },
    });
    samples.push({
      label: `Polygon ring with ${position.label}`,
      value: { type: 'Polygon', coordinates: [[[0, 0], position.value, [1, 1], [0, 0]]] },
    });
  }
  samples.push(
    { label: 'LineString of 1 position', value: { type: 'LineString', coordinates: [[1, 2]] } },
    { label: 'LineString of flat numbers', value: { type: 'LineString', coordinates: [1, 2, 3, 4] } },
    {
      label: 'MultiLineString with a 1-position line',
      value: { type: 'MultiLineString', coordinates: [line, [[1, 2]]] },
    },
    { label: 'MultiLineString with no lines', value: { type: 'MultiLineString', coordinates: [] } },
    { label: 'Polygon with an unclosed ring', value: { type: 'Polygon', coordinates: [unclosedRing] } },
    { label: 'Polygon with a 3-position ring', value: { type: 'Polygon', coordinates: [shortRing] } },
    { label: 'Polygon with no rings', value: { type: 'Polygon', coordinates: [] } },
    { label: 'Polygon whose coordinates are a ring', value: { type: 'Polygon', coordinates: ring } },
    {
      label: 'MultiPolygon with a 3-position ring',
      value: { type: 'MultiPolygon', coordinates: [[ring], [shortRing]] },
    },
    { label: 'MultiPolygon of rings, not polygons', value: { type: 'MultiPolygon', coordinates: [ring] } },
    { label: 'MultiPolygon with an empty polygon', value: { type: 'MultiPolygon', coordinates: [[]] } },
  );
  return samples;
}

function collectionSamples(): Sample[] {
  const geometries = Object.values(GEOMETRIES);
  const samples: Sample[] = [
    { label: 'GeometryCollection of every geometry', value: geometryCollection(geometries) },
    { label: 'empty GeometryCollection', value: geometryCollection([]) },
    { label: 'GeometryCollection without geometries', value: { type: 'GeometryCollection' } },
    {
      label: 'GeometryCollection with object geometries',
      value: { type: 'GeometryCollection', geometries: {} },
    },
    {
      label: 'nested GeometryCollection',
      value: geometryCollection([geometryCollection([GEOMETRIES.Point])]),
    },
    { label: 'GeometryCollection holding a Feature', value: geometryCollection([feature(GEOMETRIES.Point)]) },
    { label: 'GeometryCollection holding null', value: geometryCollection([null]) },
    {
      label: 'GeometryCollection holding a bad Point',
      value: geometryCollection([{ type: 'Point', coordinates: [1] }]),
    },
    {
      label: 'GeometryCollection with coordinates too',
      value: { ...geometryCollection(geometries), coordinates: [1, 2] },
    },
  ];
  for (const bbox of BBOXES) {
    samples.push({
      label: `GeometryCollection with a bbox of ${bbox.label}`,
      value: { ...geometryCollection([GEOMETRIES.Point]), bbox: bbox.value },
    });
  }
  return samples;
}

function featureSamples(): Sample[] {
  const samples: Sample[] = [];
  for (const [name, geometry] of Object.entries(GEOMETRIES)) {
    samples.push({ label: `Feature with a ${name}`, value: feature(geometry) });
    samples.push({ label: `Feature with a bad ${name}`, value: feature({ type: name, coordinates: 'x' }) });
  }
  samples.push(
    { label: 'Feature with null geometry', value: feature(null) },
    { label: 'Feature with null properties', value: feature(GEOMETRIES.Point, null) },
    { label: 'Feature with null geometry and properties', value: feature(null, null) },
    { label: 'Feature with empty properties', value: feature(GEOMETRIES.Point, {}) },
    { label: 'Feature with array properties', value: feature(GEOMETRIES.Point, []) },
    { label: 'Feature with string properties', value: feature(GEOMETRIES.Point, 'x') },
    { label: 'Feature with a GeometryCollection', value: feature(geometryCollection([GEOMETRIES.Point])) },
    {
      label: 'Feature with a nested GeometryCollection',
      value: feature(geometryCollection([geometryCollection([])])),
    },
    { label: 'Feature with a Feature as geometry', value: feature(feature(null)) },
    { label: 'Feature with a string geometry', value: feature('POINT (1 2)') },
    { label: 'Feature with an empty object geometry', value: feature({}) },
    { label: 'Feature without geometry', value: { type: 'Feature', properties: {} } },
    { label: 'Feature without properties', value: { type: 'Feature', geometry: null } },
    { label: 'Feature without type', value: { properties: {}, geometry: null } },
    { label: 'Feature with a number id', value: { ...feature(null), id: 7 } },
    { label: 'Feature with a string id', value: { ...feature(null), id: 'beirut' } },
    { label: 'Feature with a null id', value: { ...feature(null), id: null } },
    { label: 'Feature with an object id', value: { ...feature(null), id: {} } },
    { label: 'Feature with an extra member', value: { ...feature(null), title: 'x' } },
  );
  for (const bbox of BBOXES) {
    samples.push({
      label: `Feature with a bbox of ${bbox.label}`,
      value: { ...feature(null), bbox: bbox.value },
    });
  }
  return samples;
}

function featureCollectionSamples(): Sample[] {
  const features = [feature(GEOMETRIES.Polygon), feature(null, null), feature(geometryCollection([]))];
  const samples: Sample[] = [
    { label: 'FeatureCollection', value: featureCollection(features) },
    { label: 'empty FeatureCollection', value: featureCollection([]) },
    { label: 'FeatureCollection without features', value: { type: 'FeatureCollection' } },
    { label: 'FeatureCollection with object features', value: { type: 'FeatureCollection', features: {} } },
    { label: 'FeatureCollection holding a geometry', value: featureCollection([GEOMETRIES.Point]) },
    { label: 'FeatureCollection holding a bad Feature', value: featureCollection([feature('x')]) },
    {
      label: 'FeatureCollection holding a FeatureCollection',
      value: featureCollection([featureCollection([])]),
    },
    { label: 'FeatureCollection holding null', value: featureCollection([null]) },
  ];
  for (const bbox of BBOXES) {
    samples.push({
      label: `FeatureCollection with a bbox of ${bbox.label}`,
      value: { ...featureCollection(features), bbox: bbox.value },
    });
  }
  return samples;
}

const NON_OBJECTS: Sample[] = [
  { label: 'null', value: null },
  { label: 'a number', value: 1 },
  { label: 'a string', value: 'Point' },
  { label: 'a boolean', value: true },
  { label: 'an array', value: [GEOMETRIES.Point] },
  { label: 'an empty object', value: {} },
  { label: 'an object with an unknown type', value: { type: 'Circle', coordinates: [0, 0], radius: 1 } },
];

/** Hand-written valid and invalid samples. */
export function geoJsonSamples(): Sample[] {
  return [
    ...geometrySamples(),
    ...collectionSamples(),
    ...featureSamples(),
    ...featureCollectionSamples(),
    ...NON_OBJECTS,
  ];
}

/** mulberry32: small, seeded, good enough to pick mutations reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Container = Record<string, unknown> | unknown[];

/** Every object and array inside `value` (itself included). */
function containersOf(value: unknown): Container[] {
  if (typeof value !== 'object' || value === null) return [];
  const children = Array.isArray(value) ? value : Object.values(value);
  return [value as Container, ...children.flatMap(containersOf)];
}

const REPLACEMENTS: unknown[] = [null, 'x', 0, -1.5, true, {}, [], [0], [0, 0, 0, 0]];

/**
 * One to three random mutations of `sample`: drop a member or an element, replace a value with one
 * of another kind, shorten an array, rename the `type`, add a member, duplicate an element.
 */
export function mutate(sample: unknown, random: () => number): unknown {
  const copy = structuredClone(sample);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // A fresh copy each time: shared objects would be mutated later, even into themselves.
  const replacement = () => structuredClone(pick(REPLACEMENTS));
  const mutations = 1 + Math.floor(random() * 3);
  for (let done = 0; done < mutations; done++) {
    const containers = containersOf(copy);
    if (containers.length === 0) break;
    const target = pick(containers);
    if (Array.isArray(target)) {
      const operation = pick(['drop', 'replace', 'shorten', 'duplicate'] as const);
      if (target.length === 0) target.push(replacement());
      else if (operation === 'drop') target.splice(Math.floor(random() * target.length), 1);
      else if (operation === 'replace') target[Math.floor(random() * target.length)] = replacement();
      else if (operation === 'shorten') target.length = Math.floor(random() * target.length);
      else target.push(structuredClone(target[Math.floor(random() * target.length)]));
    } else {
      const keys = Object.keys(target);
      const operation = pick(['drop', 'replace', 'retype', 'add'] as const);
      if (operation === 'add' || keys.length === 0)
        target[pick(['bbox', 'id', 'geometry', 'extra'])] = replacement();
      else if (operation === 'drop') delete target[pick(keys)];
      else if (operation === 'retype' && 'type' in target) target.type = pick([...ALL_TYPES, 'point', '']);
      else target[pick(keys)] = replacement();
    }
  }
  return copy;
}
