/** The camera (area) of each of the six events the change flight raises, sorted. */
export const CHANGED_CAMERAS = [
  ...Array<string>(3).fill('liwan-aero1'),
  ...Array<string>(3).fill('liwan-aero3'),
];
