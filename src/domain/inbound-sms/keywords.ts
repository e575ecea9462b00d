/** What an inbound SMS asks of Herald: opt the phone out of SMS, back in, for help, or nothing. */
export type SmsKeywordAction = 'opt_out' | 'opt_in' | 'help' | 'none';

/**
 * The keywords carriers and regulators expect a sender to honour (the CTIA's opt-out and opt-in
 * words, and HELP). A message is a keyword only when it is the whole message, in any case, with
 * whitespace around it: "stop" and " Stop\n" are, "stop sending me offers" is not.
 */
export const SMS_KEYWORDS = {
  STOP: 'opt_out',
  STOPALL: 'opt_out',
  UNSUBSCRIBE: 'opt_out',
  CANCEL: 'opt_out',
  END: 'opt_out',
  QUIT: 'opt_out',
  REVOKE: 'opt_out',
  OPTOUT: 'opt_out',
  START: 'opt_in',
  UNSTOP: 'opt_in',
  HELP: 'help',
} as const satisfies Record<string, Exclude<SmsKeywordAction, 'none'>>;

export type SmsKeyword = keyof typeof SMS_KEYWORDS;

const isKeyword = (word: string): word is SmsKeyword => Object.hasOwn(SMS_KEYWORDS, word);

/** The keyword a message is, and what it asks; `keyword: null, action: 'none'` for any other text. */
export function smsKeywordOf(text: string): { keyword: SmsKeyword | null; action: SmsKeywordAction } {
  const word = text.trim().toUpperCase();
  return isKeyword(word) ? { keyword: word, action: SMS_KEYWORDS[word] } : { keyword: null, action: 'none' };
}
