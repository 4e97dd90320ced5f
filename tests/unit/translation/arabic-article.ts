import { utf8ByteLength } from '#shared/domain/translation/chunking.ts';

/** Sentences ending in every punctuation mark the chunker splits at (Arabic ones included). */
export const SENTENCES = [
  'أجرى نائب وزير الخارجية الكويتي اتصالاً هاتفياً بأمين عام وزارة الخارجية البلجيكية.',
  'هل تناول الاتصال العلاقات الثنائية بين البلدين الصديقين؟',
  'وبحث الجانبان سبل تعزيز التعاون المشترك؛',
  'وأكدا أهمية مواصلة التنسيق في المحافل الدولية…',
  'وقال المتحدث إن المحادثات كانت مثمرة!',
  'واتفق الطرفان على عقد اجتماع قريب۔',
];

/** At least `targetBytes` of Arabic: paragraphs of five sentences, separated by blank lines. */
export function arabicArticle(targetBytes: number): string {
  const paragraphs: string[] = [];
  let i = 0;
  while (utf8ByteLength(paragraphs.join('\n\n')) < targetBytes) {
    paragraphs.push(Array.from({ length: 5 }, (_, j) => SENTENCES[(i + j) % SENTENCES.length]).join(' '));
    i++;
  }
  return paragraphs.join('\n\n');
}
