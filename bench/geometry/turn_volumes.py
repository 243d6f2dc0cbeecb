# Writes copies of a folder's .nii.gz files stored the other way up: rows reversed and the sform saying so (LAS becomes
# LPS), qform off. With a model zip, also writes a copy whose plausibility record carries the geometry the shared CHAOS
# patients have (LAS, 320 mm slices), as training records it since the record has had a geometry (an older zip has none).
# Python 3 standard library only. Usage: turn_volumes.py SOURCE_FOLDER TARGET_FOLDER [MODEL_ZIP MODEL_ZIP_OUT]
import gzip, json, os, struct, sys, zipfile
src, dst = sys.argv[1:3]
model, model_out = (sys.argv[3:5] + [None, None])[:2]
for name in sorted(n for n in os.listdir(src) if n.endswith('.nii.gz')):
    raw = bytearray(gzip.open(os.path.join(src, name)).read())
    le = struct.unpack('<i', raw[0:4])[0] == 348
    e = '<' if le else '>'
    dims = struct.unpack(e + '8h', raw[40:56])
    nx, ny, nz = dims[1], dims[2], dims[3]
    bitpix = struct.unpack(e + 'h', raw[72:74])[0]
    off = int(struct.unpack(e + 'f', raw[108:112])[0])
    sform_code = struct.unpack(e + 'h', raw[254:256])[0]
    assert sform_code > 0, name
    rows = [list(struct.unpack(e + '4f', raw[280 + 16 * r:296 + 16 * r])) for r in range(3)]
    for r in range(3):
        rows[r][3] += rows[r][1] * (ny - 1)
        rows[r][1] = -rows[r][1]
        raw[280 + 16 * r:296 + 16 * r] = struct.pack(e + '4f', *rows[r])
    raw[252:254] = struct.pack(e + 'h', 0)  # qform off: the sform says where the voxels are
    row = nx * bitpix // 8
    data = raw[off:]
    out = bytearray(len(data))
    for z in range(nz):
        for y in range(ny):
            a = (z * ny + y) * row
            b = (z * ny + ny - 1 - y) * row
            out[b:b + row] = data[a:a + row]
    raw[off:] = out
    with gzip.open(os.path.join(dst, name), 'wb') as f:
        f.write(bytes(raw))
    print(name, nx, ny, nz, 'written the other way up')
if model is None:
    sys.exit(0)
zin = zipfile.ZipFile(model)
record = json.loads(zin.read('MLNet.UNet/plausibility.json'))
if record.get('Geometry'):
    print('the model zip records its geometry already:', record['Geometry'])
    sys.exit(0)
record['Geometry'] = {'AxisCodes': 'LAS', 'FieldOfViewMinMm': 320.0, 'FieldOfViewMaxMm': 320.0}
with zipfile.ZipFile(model_out, 'w', zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == 'MLNet.UNet/plausibility.json':
            data = json.dumps(record, indent=2).encode()
        zout.writestr(item, data)
print('wrote', model_out, 'with the geometry', record['Geometry'])
