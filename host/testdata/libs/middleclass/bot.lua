-- Runs middleclass's own busted specs (lib/*_spec.lua) inside a luabot
-- script through lib/specshim.lua; TestLibraries reads result.
local shim = require("specshim")
local weak = "gopher-lua has no weak tables (__mode)"
local nodebug = "the sandbox has no debug library (debug.getmetatable)"
shim.differences["Metamethods / Custom Metamethods / implements __mode"] = weak
shim.differences["Metamethods / Custom Metamethods / Inherited Metamethods / implements __mode"] = weak
shim.differences["Metamethods / Custom Metamethods / instance should have a table __index if not overrided"] = nodebug
shim.differences["Metamethods / Custom Metamethods / Inherited Metamethods / instance should also have a table __index if not overrided"] = nodebug
for _, name in ipairs({"class_spec", "classes_spec", "default_methods_spec", "instances_spec", "metamethods_spec", "mixins_spec"}) do
  require(name)
end
result = shim.report()
