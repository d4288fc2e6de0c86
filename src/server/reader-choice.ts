// Which reader POST /read uses. SHIPPED is what docs/performance.md's rule for #36 chose on the validation role
// ("Which reader /read ships"), written there before any line model result was read; READER overrides it.
export const READERS = ['line', 'segmentation', 'combined'] as const;
export type ReaderName = (typeof READERS)[number];

/** The rule's choice on the committed models (docs/performance.md): neither the line model (read rate at ≤ 1 % error
 * 54.1 % against 75.4 %) nor both combined (76.1 %, +0.7 where the rule asked +2, strings 81.5 % against 93.2 %) beat
 * the segmentation reader on the validation role by the rule's margins, so it stays; READER=line or combined serves them. */
export const SHIPPED: ReaderName = 'segmentation';

export const chosenReader = (setting: ReaderName | 'auto'): ReaderName => (setting === 'auto' ? SHIPPED : setting);
