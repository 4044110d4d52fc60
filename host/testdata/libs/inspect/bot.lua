-- Runs inspect.lua's own busted spec (lib/inspect_spec.lua) inside a luabot
-- script through lib/specshim.lua; TestLibraries reads result.
local shim = require("specshim")
shim.differences["inspect / tables / metatables / does not allow collecting weak tables while they are being inspected"] =
  "collectgarbage(\"stop\") is refused: one collector serves every script"
require("inspect_spec")
result = shim.report()
