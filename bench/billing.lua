-- bench/billing.lua - wrk script: PUT /v1/customers/{id}/profiles/billing with the etag the
-- client holds.  BENCH_BILLING names a file of "customer-id etag" lines, at least two per
-- connection; each thread takes its own slice and sends a customer's next update only after
-- the answer to its previous one (which carries the new etag), so no update is stale.
local thread_no = 0

-- wrk.format uses only the headers it is given: add the command line's (-H Authorization).
local function with_defaults(h)
  for k, v in pairs(wrk.headers) do
    if h[k] == nil then h[k] = v end
  end
  return h
end

function setup(thread)
  thread_no = thread_no + 1
  thread:set("tno", thread_no)
end

function init(args)
  local per = tonumber(os.getenv("BENCH_PER_THREAD") or "16")
  free, etags, n = {}, {}, 0
  local i = 0
  for line in io.lines(os.getenv("BENCH_BILLING")) do
    local id, etag = line:match("^(%S+) (%S+)$")
    if id and i >= (tno - 1) * per and i < tno * per then
      etags[id] = etag
      table.insert(free, id)
    end
    i = i + 1
  end
end

local body_fmt = '{"email":"it@example.cn","culture":"zh-CN","language":"zh",' ..
  '"companyName":"Zephyr Bench Update %d 有限公司","firstName":"伟","lastName":"王",' ..
  '"defaultAddress":{"firstName":"伟","lastName":"王","addressLine1":"人民路%d号",' ..
  '"city":"上海","state":"上海市","postalCode":"200001","country":"CN","phoneNumber":"13800138000"},' ..
  '"attributes":{"etag":"%s"}}'

local count = 0

request = function()
  local id = table.remove(free) or next(etags)
  count = count + 1
  return wrk.format("PUT", "/v1/customers/" .. id .. "/profiles/billing",
    with_defaults({["Content-Type"] = "application/json"}), string.format(body_fmt, count, count % 999 + 1, etags[id]))
end

response = function(status, headers, body)
  local id = body:match('"id":"([%x%-]+)"')
  local etag = body:match('"etag":"([^"]+)"')
  if id and etags[id] then
    if etag then etags[id] = etag end
    table.insert(free, id)
  end
end
