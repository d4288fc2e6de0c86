// Handwriting fonts from Google Fonts, installed by npm (@expo-google-fonts/*, devDependencies) rather than by apt, for
// the line model's training lines only (#36, the eighth line model): the line model reads the fonts it trained on far
// better than fonts it has not seen, and Debian packages few handwriting fonts. None is a held-out or spare font
// (src/synth), a sibling of one, or by the designer of one (Kristi, Kaushan Script, Leckerli One, Yusei Magic are
// Google fonts too: their designers' other fonts, Caveat among them, are left out).
import { createRequire } from 'node:module';

export const LINE_PACKAGED_FONTS = [
  'Annie Use Your Telescope',
  'Architects Daughter',
  'Cedarville Cursive',
  'Coming Soon',
  'Covered By Your Grace',
  'Delius',
  'Gloria Hallelujah',
  'Gochi Hand',
  'Homemade Apple',
  'Indie Flower',
  'Itim',
  'Just Another Hand',
  'Kalam',
  'La Belle Aurore',
  'Neucha',
  'Nothing You Could Do',
  'Patrick Hand',
  'Permanent Marker',
  'Reenie Beanie',
  'Rock Salt',
  'Schoolbell',
  'Shadows Into Light',
  'Short Stack',
  'Sriracha',
  'Sue Ellen Francisco',
  'The Girl Next Door',
] as const;
export type LinePackagedFont = (typeof LINE_PACKAGED_FONTS)[number];

const require = createRequire(import.meta.url);

/** The npm package that holds a packaged font: Expo names each after the family. */
export const packageOf = (family: LinePackagedFont) => `@expo-google-fonts/${family.toLowerCase().replaceAll(' ', '-')}`;

/** The regular face's TTF file, where npm put it; fails naming the package when it is not installed. */
export function packagedFontFile(family: LinePackagedFont): string {
  const file = `${packageOf(family)}/400Regular/${family.replaceAll(' ', '')}_400Regular.ttf`;
  try {
    return require.resolve(file);
  } catch {
    throw new Error(`the line recipe's font "${family}" is not installed: npm install --save-dev ${packageOf(family)}`);
  }
}
