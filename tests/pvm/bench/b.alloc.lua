local function new(a, b) return { a = a, b = b } end
for i = 1, 5000000 do local p = new(1, 2) end
