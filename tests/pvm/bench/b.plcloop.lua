local s, i = 0, 10000000
while i > 0 do s = s + i; i = i - 1 end
print(s)
