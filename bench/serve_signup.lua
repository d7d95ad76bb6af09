-- wrk script for bench_serve: POST /subscribe, form-urlencoded, a new
-- address per request ("b<thread>-<n>@example.org"). Each thread keeps
-- the addresses it sent and not yet saw answered: the answer page names
-- the address, so a 2xx settles exactly its own request. At the end
-- done() prints key=value lines for bench_serve to parse, among them
-- the addresses still in flight when wrk stopped (at most one per
-- connection), so that the rows in the database can be matched exactly
-- against the 2xx answers.
local threads = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

-- Globals, for done() to read through thread:get().
id, n, ok, bad = 0, 0, 0, 0
pending = {}

function init(args)
	id = wrk.thread:get("id")
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["User-Agent"] = "bench_serve/wrk"

function request()
	n = n + 1
	local email = "b" .. id .. "-" .. n .. "@example.org"
	pending[email] = true
	return wrk.format(nil, nil, nil, "email=" .. email:gsub("@", "%%40") ..
	    "&name=Bench+Reader&tags=science&tags=climate&website=")
end

function response(status, headers, body)
	if status >= 200 and status < 300 then
		local email = body:match("<strong>(b%d+%-%d+@example%.org)</strong>")
		if email ~= nil and pending[email] then
			pending[email] = nil
			ok = ok + 1
		else
			bad = bad + 1
		end
	else
		bad = bad + 1
	end
end

function done(summary, latency, requests)
	local ok, bad, inflight = 0, 0, {}
	for _, t in ipairs(threads) do
		ok = ok + (t:get("ok") or 0)
		bad = bad + (t:get("bad") or 0)
		for e in pairs(t:get("pending") or {}) do
			table.insert(inflight, e)
		end
	end
	local e = summary.errors
	io.write(string.format("bench ok=%d bad=%d requests=%d us=%d " ..
	    "connect=%d read=%d write=%d status=%d timeout=%d\n", ok, bad,
	    summary.requests, summary.duration, e.connect, e.read, e.write,
	    e.status, e.timeout))
	io.write(string.format("bench p50=%d p90=%d p99=%d p999=%d max=%d\n",
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency:percentile(99.9), latency.max))
	io.write("bench inflight=" .. table.concat(inflight, ",") .. "\n")
end
