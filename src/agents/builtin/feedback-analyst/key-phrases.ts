// Key phrases by RAKE (Rapid Automatic Keyword Extraction, Rose et al. 2010): the text is cut at stop
// words and punctuation into candidate phrases; each word scores degree/frequency (how many words it
// co-occurs with in candidates, over how often it occurs); a phrase scores the sum of its words. Phrases
// of several content words therefore outrank single words, which is what a reader scanning feedback wants.

const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her ' +
    'here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not ' +
    'now of off on once only or other our ours ourselves out over own same she should so some such than that the ' +
    'their theirs them themselves then there these they this those through to too under until up very was we ' +
    'were what when where which while who whom why will with would you your yours yourself yourselves ' +
    "i'm i've it's don't didn't wasn't weren't isn't can't couldn't won't we're they're you're also got get " +
    'really quite even still much many one two ever every again always never'
  ).split(' '),
);

export interface KeyPhrase {
  phrase: string;
  score: number;
}

const MAX_PHRASE_WORDS = 4;

function candidates(text: string): string[][] {
  const phrases: string[][] = [];
  for (const fragment of text.toLowerCase().split(/[.,;:!?()[\]{}"“”…\n\r\t-]+/)) {
    let current: string[] = [];
    for (const token of fragment.split(/\s+/)) {
      const word = token.replace(/^[^\p{L}\p{N}']+|[^\p{L}\p{N}']+$/gu, '');
      if (word === '' || STOP_WORDS.has(word) || /^\d+$/.test(word)) {
        if (current.length > 0) phrases.push(current);
        current = [];
      } else {
        current.push(word);
      }
    }
    if (current.length > 0) phrases.push(current);
  }
  return phrases.filter((phrase) => phrase.length <= MAX_PHRASE_WORDS);
}

/** The `limit` best phrases, best first; ties keep the order of first appearance. */
export function keyPhrases(text: string, limit = 5): KeyPhrase[] {
  const phrases = candidates(text);
  const frequency = new Map<string, number>();
  const degree = new Map<string, number>();
  for (const phrase of phrases) {
    for (const word of phrase) {
      frequency.set(word, (frequency.get(word) ?? 0) + 1);
      degree.set(word, (degree.get(word) ?? 0) + phrase.length);
    }
  }
  const scored = new Map<string, number>();
  for (const phrase of phrases) {
    const key = phrase.join(' ');
    if (scored.has(key)) continue;
    const score = phrase.reduce((sum, word) => sum + degree.get(word)! / frequency.get(word)!, 0);
    scored.set(key, Math.round(score * 100) / 100);
  }
  return [...scored]
    .map(([phrase, score]) => ({ phrase, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}
