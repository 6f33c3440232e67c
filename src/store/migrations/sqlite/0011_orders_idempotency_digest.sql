-- 0011_orders_idempotency_digest (issue 16): orders keep the billing cycle and currency
-- they were placed with, and are read back (GET .../orders, paged in creation order); a
-- customer's subscriptions can be listed by order; an idempotency key keeps a digest of the
-- request it made, so only the same request is replayed (NULL for keys stored before this
-- migration: those still replay as before).
ALTER TABLE orders ADD COLUMN billing_cycle TEXT NOT NULL DEFAULT 'monthly';
ALTER TABLE orders ADD COLUMN currency_code TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN billing_cycle TEXT NOT NULL DEFAULT 'monthly';
ALTER TABLE idempotency ADD COLUMN body_digest TEXT;
CREATE INDEX orders_created ON orders (partner_id, customer_id, created_at, order_id);
CREATE INDEX subscriptions_order ON subscriptions (partner_id, customer_id, order_id, created_at, subscription_id);
