// IANA time zone names, checked against the zone database Node ships (full ICU since Node 13).

export function isValidTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
