import { parentLevelOf } from './place-hierarchy.ts';
import type { PlaceRegistry } from './place-registry.ts';
import type { PlaceEditBody } from './places-schema.ts';
import { polygonProblems } from './polygon-problems.ts';

/** A field of the request body at fault, as a JSON pointer (`/properties/parent`), and why. */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * Why the place `id` may not become `body` in the hierarchy as it is: an id other than the
 * path's, a parent that is missing or not one level up, children that would no longer be one
 * level down, a geometry that is no valid polygon.
 */
export function placeEditIssues(places: PlaceRegistry, id: string, body: PlaceEditBody): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const { level, parent } = body.properties;
  if (body.properties.id !== undefined && body.properties.id !== id)
    issues.push({ path: '/properties/id', message: `"${body.properties.id}" is not the path's id "${id}"` });

  const parentLevel = parentLevelOf(level);
  if (parentLevel === undefined) {
    if (parent !== undefined)
      issues.push({ path: '/properties/parent', message: 'a district has no parent (the city is above it)' });
  } else if (parent === undefined) {
    issues.push({ path: '/properties/parent', message: `a ${level} needs a parent ${parentLevel}` });
  } else if (parent === id) {
    issues.push({ path: '/properties/parent', message: 'a place cannot be its own parent' });
  } else {
    const found = places.get(parent);
    if (!found) issues.push({ path: '/properties/parent', message: `no place "${parent}"` });
    else if (found.level !== parentLevel)
      issues.push({
        path: '/properties/parent',
        message: `"${parent}" is a ${found.level}; a ${level}'s parent must be a ${parentLevel}`,
      });
  }

  const current = places.get(id);
  const children = places.children(id);
  if (current && current.level !== level && children.length > 0)
    issues.push({
      path: '/properties/level',
      message: `"${id}" has children (${children.map((c) => c.id).join(', ')}); it must stay a ${current.level}`,
    });

  const { geometry } = body;
  const problems =
    geometry.type === 'Polygon'
      ? polygonProblems([geometry.coordinates], ['/geometry/coordinates'])
      : polygonProblems(
          geometry.coordinates,
          geometry.coordinates.map((_, i) => `/geometry/coordinates/${i}`),
        );
  issues.push(...problems);
  return issues;
}
