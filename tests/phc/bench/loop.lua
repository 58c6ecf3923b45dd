-- the same loop as loop.ph: 32-bit wrap-around sum of 1..10,000,000
local s = 0
local i = 10000000
while i ~= 0 do s = (s + i) & 0xffffffff; i = i - 1 end
if s >= 0x80000000 then s = s - 0x100000000 end
print(s)
