-- Runs 30log's own telescope specs (lib/specs/*.lua) inside a luabot script
-- through lib/specshim.lua; TestLibraries reads result.
local shim = require("specshim")
shim.differences["Lua 5.1.x metamethods are supported / by instances of a class / __mode is supported"] =
  "gopher-lua has no weak tables (__mode)"
for _, name in ipairs({"cast", "class", "classes", "commons", "instances", "introspection", "metamethods", "mixins", "require", "singleton", "subclasses"}) do
  require("specs." .. name)
end
result = shim.report()
