-- classic (rxi/classic) has no test suite of its own; these checks follow
-- the examples of its README. TestLibraries reads result.
local Object = require("classic")
local passed, failed = 0, {}
local function check(name, ok)
  if ok then passed = passed + 1 else failed[#failed + 1] = name end
end

local Point = Object:extend()
function Point:new(x, y) self.x = x or 0 self.y = y or 0 end
function Point:__tostring() return "Point(" .. self.x .. ", " .. self.y .. ")" end
local Rect = Point:extend()
function Rect:new(x, y, width, height)
  Rect.super.new(self, x, y)
  self.width = width or 0
  self.height = height or 0
end
local PairPrinter = Object:extend()
function PairPrinter:printPairs() local n = 0 for _ in pairs(self) do n = n + 1 end return n end
Point:implement(PairPrinter)

local p = Point(10, 20)
check("new sets fields", p.x == 10 and p.y == 20)
check("is own class", p:is(Point) and p:is(Object))
check("is not subclass", not p:is(Rect))
local r = Rect(1, 2, 3, 4)
check("super.new", r.x == 1 and r.y == 2 and r.width == 3 and r.height == 4)
check("subclass is", r:is(Rect) and r:is(Point) and r:is(Object))
check("__tostring", tostring(p) == "Point(10, 20)")
check("inherited metamethod", tostring(r) == "Point(1, 2)")
check("implement mixin", p:printPairs() == 2)
check("class field inheritance", Rect.super == Point)
local Obj = Object:extend()
check("default tostring", tostring(Obj()) == "Object")

result = string.format("%d passed, %d failed: %s", passed, #failed, table.concat(failed, ", "))
