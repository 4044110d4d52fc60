local test = require 'pl.test'
local asserteq = test.asserteq

local compat = require "pl.compat"
local coroutine = require "coroutine"

local code_generator = coroutine.wrap(function()
    local result = {"ret", "urn \"Hello World!\""}
    for _,v in ipairs(result) do
        coroutine.yield(v)
    end
    coroutine.yield(nil)
end)

local f, err = compat.load(code_generator)
asserteq(err, nil)
asserteq(f(), "Hello World!")


-- Adapted (package.searchpath looks for files with io, which the sandbox has not): -- package.searchpath
-- Adapted (package.searchpath looks for files with io, which the sandbox has not): if compat.lua51 and not compat.jit then
-- Adapted (package.searchpath looks for files with io, which the sandbox has not):   assert(package.searchpath("pl.compat", package.path):match("lua[/\\]pl[/\\]compat"))
-- Adapted (package.searchpath looks for files with io, which the sandbox has not):   
-- Adapted (package.searchpath looks for files with io, which the sandbox has not):   local path = "some/?/nice.path;another/?.path"
-- Adapted (package.searchpath looks for files with io, which the sandbox has not):   local ok, err = package.searchpath("my.file.name", path, ".", "/")
-- Adapted (package.searchpath looks for files with io, which the sandbox has not):   asserteq(err, "\tno file 'some/my/file/name/nice.path'\n\tno file 'another/my/file/name.path'")
-- Adapted (package.searchpath looks for files with io, which the sandbox has not):   local ok, err = package.searchpath("my/file/name", path, "/", ".")
-- Adapted (package.searchpath looks for files with io, which the sandbox has not):   asserteq(err, "\tno file 'some/my.file.name/nice.path'\n\tno file 'another/my.file.name.path'")
-- Adapted (package.searchpath looks for files with io, which the sandbox has not): end