import { describe, expect, it } from 'vitest';
import { isRegion, REGIONS, uploadUrl } from '../../src/clevertap/regions.js';

describe('regions', () => {
  it('lists the seven documented regions', () => {
    expect([...REGIONS]).toEqual(['eu1', 'in1', 'us1', 'sg1', 'aps3', 'mec1', 'sk1']);
  });

  it('recognises only known region values', () => {
    expect(isRegion('sk1')).toBe(true);
    expect(isRegion('EU1')).toBe(false);
    expect(isRegion('eu2')).toBe(false);
    expect(isRegion(1)).toBe(false);
  });

  it('sends each region to its own host', () => {
    expect(uploadUrl('eu1')).toBe('https://eu1.api.clevertap.com/1/upload');
    expect(uploadUrl('aps3')).toBe('https://aps3.api.clevertap.com/1/upload');
    expect(uploadUrl('mec1')).toBe('https://mec1.api.clevertap.com/1/upload');
  });

  it('uses the base URL override, replacing {region}', () => {
    expect(uploadUrl('in1', 'http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000/1/upload');
    expect(uploadUrl('in1', 'http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000/1/upload');
    expect(uploadUrl('in1', 'http://127.0.0.1:9000/{region}')).toBe('http://127.0.0.1:9000/in1/1/upload');
    expect(uploadUrl('sg1', 'https://{region}.proxy.example')).toBe('https://sg1.proxy.example/1/upload');
  });

  it('ignores an empty override', () => {
    expect(uploadUrl('us1', '')).toBe('https://us1.api.clevertap.com/1/upload');
  });
});
