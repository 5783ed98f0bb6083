// The feedback taxonomy and its rules. A rule is a word or phrase, matched case-insensitively on word
// boundaries (a trailing * matches any ending: "deliver*" matches delivered and delivery); phrases weigh 2,
// single words 1. A category's evidence is the sum of the weights of its rules that match.
//
// confidence = top / (total + 1), where top is the best category's evidence and total the evidence of all
// categories: it grows with evidence for the winner and shrinks when other categories compete (one word
// alone gives 0.5, two phrases for one category 0.8). Text that matches no rule is `other` with confidence 0.

export const CATEGORIES = ['product', 'service', 'price', 'delivery', 'staff', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export const TAXONOMY: Readonly<
  Record<Exclude<Category, 'other'>, { description: string; rules: string[] }>
> = {
  product: {
    description: 'What was bought: quality, taste, features, defects, sizes.',
    rules: [
      'quality',
      'taste*',
      'flavo*',
      'fresh*',
      'stale',
      'broken',
      'defect*',
      'faulty',
      'works',
      "doesn't work",
      'stopped working',
      'product*',
      'item*',
      'size',
      'fit*',
      'material',
      'design',
      'packaging',
      'cold',
      'burnt',
      'bitter',
      'delicious',
      'coffee',
      'beans',
      'espresso',
      'blend',
      'roast*',
      'recipe',
    ],
  },
  service: {
    description: 'How the customer was served: support, waiting, ordering, refunds, the app or website.',
    rules: [
      'service',
      'customer service',
      'customer support',
      'support',
      'help*',
      'wait*',
      'queue',
      'response time',
      'refund*',
      'return*',
      'complaint',
      'app',
      'website',
      'checkout',
      'order*',
      'booking',
      'reservation',
      'experience',
      'no reply',
      'never replied',
      'resolved',
      'on hold',
    ],
  },
  price: {
    description: 'What it cost: price level, value, discounts, fees, billing.',
    rules: [
      'price*',
      'pricing',
      'expensive',
      'cheap*',
      'overpriced',
      'cost*',
      'value for money',
      'worth',
      'discount*',
      'coupon',
      'fee*',
      'charged',
      'overcharged',
      'billing',
      'bill',
      'afford*',
      'money',
      'subscription',
    ],
  },
  delivery: {
    description: 'Getting it there: shipping, couriers, lateness, tracking, damage in transit.',
    rules: [
      'deliver*',
      'shipping',
      'shipped',
      'shipment',
      'courier',
      'arrived',
      'arrival',
      'late',
      'delay*',
      'tracking',
      'parcel',
      'package',
      'dispatch*',
      'lost in transit',
      'damaged in transit',
      'never arrived',
      'on time',
      'postage',
    ],
  },
  staff: {
    description: 'The people: friendliness, rudeness, knowledge, named employees, baristas.',
    rules: [
      'staff',
      'employee*',
      'barista*',
      'waiter',
      'waitress',
      'cashier',
      'manager',
      'team',
      'rude',
      'friendly',
      'polite',
      'attitude',
      'unprofessional',
      'helpful staff',
      'knowledgeable',
      'smile*',
      'ignored',
      'welcoming',
    ],
  },
};

export interface CategoryScore {
  category: Category;
  evidence: number;
  matched: string[];
}

export interface Categorization {
  category: Category;
  confidence: number;
  /** Every category with evidence, strongest first. */
  categories: CategoryScore[];
}

const compiled = Object.entries(TAXONOMY).map(([category, { rules }]) => ({
  category: category as Category,
  rules: rules.map((rule) => {
    const stem = rule.endsWith('*') ? rule.slice(0, -1) : rule;
    const escaped = stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
    return {
      rule,
      weight: /\s/.test(stem) ? 2 : 1,
      pattern: new RegExp(
        `(?<![\\p{L}\\p{N}])${escaped}${rule.endsWith('*') ? '[\\p{L}]*' : ''}(?![\\p{L}\\p{N}])`,
        'iu',
      ),
    };
  }),
}));

export function categorize(text: string): Categorization {
  const categories: CategoryScore[] = [];
  for (const { category, rules } of compiled) {
    const matched = rules.filter(({ pattern }) => pattern.test(text));
    if (matched.length === 0) continue;
    categories.push({
      category,
      evidence: matched.reduce((sum, { weight }) => sum + weight, 0),
      matched: matched.map(({ rule }) => rule),
    });
  }
  categories.sort((a, b) => b.evidence - a.evidence);
  const top = categories[0];
  if (!top) return { category: 'other', confidence: 0, categories: [] };
  const total = categories.reduce((sum, { evidence }) => sum + evidence, 0);
  return {
    category: top.category,
    confidence: Math.round((top.evidence / (total + 1)) * 100) / 100,
    categories,
  };
}
