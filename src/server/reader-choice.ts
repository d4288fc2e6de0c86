// Which reader POST /read uses. SHIPPED is what docs/performance.md's rule for #36 chose on the validation role
// ("Which reader /read ships"), written there before any line model result was read; READER overrides it.
export const READERS = ['line', 'segmentation', 'combined'] as const;
export type ReaderName = (typeof READERS)[number];

/** The rule's choice on the committed models (docs/performance.md). */
export const SHIPPED: ReaderName = 'line';

export const chosenReader = (setting: ReaderName | 'auto'): ReaderName => (setting === 'auto' ? SHIPPED : setting);
