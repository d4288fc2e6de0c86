// Single digits typed in a handwriting font, as a person would upload one: black ink on white paper, a PNG. The sets
// scripts/font-digits.ts and test/font-digits.test.ts read through /predict, one per role of docs/contracts.md's split by
// font: the training fonts choose (validation), the held-out fonts report (never trained or tuned on).
import sharp from 'sharp';
import { HELD_OUT_FONTS } from './heldout/fonts.js';

/** The fonts a model may train and choose on (docs/contracts.md); the trainers take the list from here. */
export const TRAINING_FONTS = [
  'Because We Build',
  'Because We Create',
  'Because We Mentor',
  'Breip',
  'Humor Sans',
  'Klee One',
  'Steve',
  'kiloji',
] as const;

/** Fonts in neither of docs/contracts.md's lists: never trained on, so validation may read them as fonts the models have not
 * seen (the training fonts, once a recipe trains on them, say little about unseen ones). Debian: fonts-yozvox-yozfont,
 * fonts-kristi, fonts-havana, fonts-klaudia-berenika, fonts-kaushanscript. */
export const SPARE_FONTS = ['YOzAF', 'Kristi', 'Havana', 'Klaudia', 'Kaushan Script'] as const;

export const FONT_ROLES = { validation: TRAINING_FONTS, spare: SPARE_FONTS, 'held-out': HELD_OUT_FONTS } as const;
export type FontRole = keyof typeof FONT_ROLES;

/** Point sizes each digit is typed at: hinting and stroke width differ at small sizes, so each is a picture of its own. */
export const FONT_DIGIT_SIZES = [24, 36, 48, 72, 144] as const;

export interface FontDigit {
  font: string;
  size: number;
  bold: boolean;
  label: number;
  png: Buffer;
}

/** Digit d typed in `font` at `size` px, black on white with a third of its size as margin; `bold` thickens the
 * strokes (pango's synthetic emboldening, as none of these fonts has a bold face), which shrinks the loops. */
export async function typedDigit(font: string, size: number, d: number, bold = false): Promise<Buffer> {
  const face = `${font}${bold ? ' Bold' : ''}`;
  const text = await sharp({ text: { text: `<span font="${face} ${size}">${d}</span>`, dpi: 72 } })
    .greyscale()
    .png()
    .toBuffer();
  const { width = 1, height = 1 } = await sharp(text).metadata();
  const pad = Math.round(size / 3);
  const ink = await sharp(text).negate().png().toBuffer();
  return sharp({ create: { width: width + 2 * pad, height: height + 2 * pad, channels: 3, background: '#ffffff' } })
    .composite([{ input: ink, left: pad, top: pad, blend: 'multiply' }])
    .png()
    .toBuffer();
}

/** Every digit of every font of `role` at every size, regular (and bold too with `bold`), in a fixed order. */
export async function fontDigitSet(
  role: FontRole,
  { sizes = FONT_DIGIT_SIZES, bold = false }: { sizes?: readonly number[]; bold?: boolean } = {},
): Promise<FontDigit[]> {
  const out: FontDigit[] = [];
  for (const weight of bold ? [false, true] : [false]) {
    for (const font of FONT_ROLES[role]) {
      for (const size of sizes) {
        for (let label = 0; label < 10; label++) {
          out.push({ font, size, bold: weight, label, png: await typedDigit(font, size, label, weight) });
        }
      }
    }
  }
  return out;
}
