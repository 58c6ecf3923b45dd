local s = 0
for i = 10000000, 1, -1 do s = s + i end
print(s)
