import { z } from 'zod';

/**
 * The field types the edge config's sections share (the config itself, its zones and its
 * scenarios). Conventions of the whole file: every object is strict (an unknown, e.g. misspelt,
 * field is an error); box areas are fractions of the frame's area; speeds are fractions of the
 * frame's diagonal per second; times are seconds.
 */

/** Ids that end up in MQTT topics and file names: lower-case letters, digits, "_" and "-". */
export const ID_PATTERN = /^[a-z0-9_-]+$/;
export const ID_MESSAGE = 'use only lower-case letters, digits, "_" and "-"';
export const Id = z.string().min(1).max(64).regex(ID_PATTERN, ID_MESSAGE);

export const Label = z.string().min(1);
export const Labels = z.array(Label).min(1);

/** 0..1: a fraction of the frame's width, height or area, or a score. */
export const Fraction = z.number().min(0).max(1);
