-- 0005_search_usermerge: the writer's idle upkeep ('merge' steps, store op tidy) merges the
-- search index's segments as soon as a level holds two (FTS5's own merging during writes
-- waits for four).  Measured on the 1,000,000-customer bench store after ~50,000 creates:
-- the index part of a `cloud` page 0.093 -> 0.060 ms, for 0.21 s of merging.
INSERT INTO customer_search (customer_search, rank) VALUES ('usermerge', 2);
