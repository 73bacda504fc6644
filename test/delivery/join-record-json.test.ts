import { describe, expect, it } from 'vitest';
import { joinRecordJson } from '../../src/delivery/claim-batch.js';

describe('a record joined as sent', () => {
  it('is the identifier’s members followed by the body’s, as one JSON object', () => {
    const joined = joinRecordJson(JSON.stringify({ identity: 'user-1' }), JSON.stringify({ type: 'event', evtName: 'Renewed', evtData: { n: 1, s: 'a,}' } }));
    expect(joined).toBe('{"identity":"user-1","type":"event","evtName":"Renewed","evtData":{"n":1,"s":"a,}"}}');
    expect(JSON.parse(joined)).toEqual({ identity: 'user-1', type: 'event', evtName: 'Renewed', evtData: { n: 1, s: 'a,}' } });
  });

  it('an empty body (an erased record) adds no members and no comma', () => {
    expect(JSON.parse(joinRecordJson('{"objectId":"c-1"}', '{}'))).toEqual({ objectId: 'c-1' });
    expect(JSON.parse(joinRecordJson('{"objectId":"c-1"}', '{ }'))).toEqual({ objectId: 'c-1' });
    expect(JSON.parse(joinRecordJson('{}', '{"type":"profile"}'))).toEqual({ type: 'profile' });
  });

  it('refuses texts that are not objects', () => {
    expect(() => joinRecordJson('{"identity":"u"}', '[1]')).toThrow(TypeError);
    expect(() => joinRecordJson('"u"', '{}')).toThrow(TypeError);
  });
});
