-- wrk script of bench/label_http.sh: POST /api/annotations as one
-- annotator per wrk thread (one connection each, so that saves are in
-- order), carrying the session cookie, the CSRF header and the version the
-- last reply gave (a stale one would be 409, which the bench counts).
-- LABEL_SESSIONS="cookie|csrf|task|version;..." one per thread (version 0:
-- no annotation yet).
local counter = 0
local threads = {}

function setup(thread)
   counter = counter + 1
   thread:set("idx", counter)
   table.insert(threads, thread)
end

function init(args)
   local i = 0
   for entry in string.gmatch(os.getenv("LABEL_SESSIONS"), "[^;]+") do
      i = i + 1
      if i == idx then
         cookie, csrf, task, version = string.match(entry, "([^|]+)|([^|]+)|([^|]+)|([^|]+)")
      end
   end
   if version == "0" then
      version = nil
   end
   conflicts = 0
end

function request()
   local v = version and (',"version":' .. version) or ''
   local body = '{"task":' .. task .. v ..
      ',"result":{"spans":[{"start":0,"end":8,"label":"PERSON"}]}}'
   return wrk.format("POST", "/api/annotations",
      { ["Cookie"] = cookie, ["X-CSRF-Token"] = csrf,
        ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
   local v = string.match(body, '"version":(%d+)')
   if status == 200 and v then
      version = v
   elseif status == 409 then
      conflicts = conflicts + 1
   end
end
