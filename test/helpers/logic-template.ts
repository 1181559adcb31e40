/** A template with conditional logic, shared by the API, property and browser tests. */

/** A return inspection with a branch: damage → damage type (+ photo), a glass follow-up, a photo on a high reading. */
export const LOGIC_TEMPLATE = {
  name: 'Return with logic',
  settings: { allow_skip: true, identity: 'anonymous', geo: 'off' },
  steps: [
    { id: 's-od01', type: 'number', label: 'Odometer reading', required: true, min: 0, unit: 'km' },
    {
      id: 's-dm01',
      type: 'boolean',
      label: 'Any pre-existing damage?',
      required: true,
      photos: { min: 0, max: 5, required_if: { step: 's-dm01', equals: true } },
    },
    {
      id: 's-dm02',
      type: 'multi_choice',
      label: 'Damage type',
      required: true,
      options: [
        { id: 'o-dent', label: 'Dent' },
        { id: 'o-glass', label: 'Broken glass' },
      ],
      visible_if: { step: 's-dm01', equals: true },
    },
    {
      id: 's-gl01',
      type: 'text',
      label: 'Which window?',
      visible_if: { step: 's-dm02', includes: 'o-glass' },
      required_if: { step: 's-od01', gt: 100000 },
    },
    {
      id: 's-nt01',
      type: 'text',
      label: 'Notes',
      photos: { min: 0, max: 3, required_if: { step: 's-od01', gt: 100000 } },
    },
  ],
};
