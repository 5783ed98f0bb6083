// Replies to a customer, by sentiment and category: the offline templates generate_response uses when no
// model is configured. Negative feedback gets an apology and a concrete next step, positive feedback thanks,
// neutral feedback an acknowledgement and an offer to help.
import type { Category } from './taxonomy.js';
import type { SentimentLabel } from './sentiment.js';

export type ResponseTone = 'apologetic' | 'appreciative' | 'helpful';

export const TONE_BY_SENTIMENT: Readonly<Record<SentimentLabel, ResponseTone>> = {
  negative: 'apologetic',
  positive: 'appreciative',
  neutral: 'helpful',
};

const NEXT_STEP: Readonly<Record<Category, string>> = {
  product: 'We have passed your notes on the product to our quality team',
  service: 'A member of our support team will look into what happened',
  price: 'We have shared your comments on pricing with the team that sets it',
  delivery: 'We are checking with our delivery partner what went wrong',
  staff: 'We have shared your comments with the store manager',
  other: 'We have shared your message with the right team',
};

const PRAISE_TARGET: Readonly<Record<Category, string>> = {
  product: 'you enjoyed the product',
  service: 'our service worked well for you',
  price: 'you found it good value',
  delivery: 'your order reached you smoothly',
  staff: 'our team made your visit a good one',
  other: 'you took the time to tell us',
};

export interface ResponseRequest {
  sentiment: SentimentLabel;
  category: Category;
  customerName?: string;
  brandName?: string;
}

export function templateResponse(request: ResponseRequest): { response: string; tone: ResponseTone } {
  const greeting = request.customerName ? `Hi ${request.customerName},` : 'Hello,';
  const signOff = `— ${request.brandName ?? 'The team'}`;
  const tone = TONE_BY_SENTIMENT[request.sentiment];
  const body =
    tone === 'apologetic'
      ? `we are sorry about your experience, and thank you for telling us. ${NEXT_STEP[request.category]}, ` +
        'and we will get back to you within two working days. If you reply with your order number, we can sort it out faster.'
      : tone === 'appreciative'
        ? `thank you for the kind words! We are glad ${PRAISE_TARGET[request.category]}, and we have shared your ` +
          'message with the whole team. We look forward to seeing you again.'
        : `thank you for your feedback. ${NEXT_STEP[request.category]}. If there is anything we can help with ` +
          'right away, just reply to this message.';
  return { response: `${greeting} ${body} ${signOff}`, tone };
}
