// Which reader POST /read uses. SHIPPED is what docs/performance.md's rule for #36 chose on the validation role
// ("Which reader /read ships"), written there before any line model result was read; READER overrides it.

export const READERS = ['line', 'segmentation', 'combined'] as const;
export type ReaderName = (typeof READERS)[number];

/** The rule's choice on the committed models (docs/performance.md): both combined (the line model's string, trusted only
 * where the segmentation reader reads the same) reads 83.9 % of validation pictures at ≤ 1 % error against the
 * segmentation reader's 75.4 % (+8.5 where the rule asks +2), with 93.0 % of strings right against 93.2 % (it allows
 * −1); the line model alone reads 73.9 %, not eligible. READER=segmentation or line serves either alone. */
export const SHIPPED: ReaderName = 'combined';

export const chosenReader = (setting: ReaderName | 'auto'): ReaderName => (setting === 'auto' ? SHIPPED : setting);
