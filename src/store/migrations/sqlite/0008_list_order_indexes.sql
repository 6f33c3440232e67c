-- 0008_list_order_indexes: the keyset order of the paged lists of apps, a tenant's users and
-- a customer's subscriptions (issue 14: no list stops at a fixed LIMIT any more).  Each page
-- seeks to its position after the last row of the page before and reads one page in order,
-- instead of reading and sorting every row of the partner or customer for each page.
CREATE INDEX apps_created ON apps (partner_id, created_at, app_id);
CREATE INDEX customer_users_list ON customer_users (partner_id, customer_id, upn);
CREATE INDEX subscriptions_created ON subscriptions (partner_id, customer_id, created_at, subscription_id);
-- the staff list (GET /v1/users) pages by e-mail key within the partner; partner_users_email
-- (the key alone, deployment-wide) made each page read and sort all of the partner's users
CREATE INDEX partner_users_list ON partner_users (partner_id, email_key);
