/** The field types moved to foundation/edge-config/ (the cloud validates edge configs too). */
export { Fraction, Id, Label, Labels } from '../../foundation/edge-config/config-fields.ts';
