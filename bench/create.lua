-- bench/create.lua - wrk script: POST /v1/customers with a new domain and MS-RequestId on
-- every request (durable creates: each 201 is sent after its group commit is on disk).
-- The run's tag (BENCH_TAG, letters and digits) keeps the domains of different runs apart.
local counter, thread_no = 0, 0
local tag = os.getenv("BENCH_TAG") or "b"

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

local body_fmt = '{"companyProfile":{"domain":"%s.partner.onmschina.cn"},' ..
  '"billingProfile":{"email":"it@%s.cn","culture":"zh-CN","language":"zh",' ..
  '"companyName":"Zephyr Bench %s 有限公司","firstName":"伟","lastName":"王",' ..
  '"defaultAddress":{"firstName":"伟","lastName":"王","addressLine1":"人民路100号",' ..
  '"city":"上海","state":"上海市","postalCode":"200001","country":"CN","phoneNumber":"13800138000"}}}'

request = function()
  counter = counter + 1
  local prefix = string.format("w%s%dn%d", tag, tno, counter)
  return wrk.format("POST", "/v1/customers", with_defaults({
    ["Content-Type"] = "application/json",
    ["MS-RequestId"] = string.format("%s-%d-%d", tag, tno, counter),
  }), string.format(body_fmt, prefix, prefix, prefix))
end
