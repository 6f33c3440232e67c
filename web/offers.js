// offers.js - the catalog's offers for a country, read once per page load.
import { api } from './api.js';

const cache = new Map();

export function offersFor(country) {
  if (!cache.has(country)) {
    const p = api('GET', `/v1/offers?country=${encodeURIComponent(country)}`).then((r) => r.data.items || []);
    p.catch(() => cache.delete(country));
    cache.set(country, p);
  }
  return cache.get(country);
}
