local o = {}
function o:self() return self end
for i = 1, 10000000 do o:self() end
